"""Quality-side tables. Inspections, certificates, complaints and recalls arrive in later issues."""
