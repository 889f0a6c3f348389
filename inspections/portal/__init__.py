"""The hospital portal: what hospital staff see and do for their own hospitals (deliveries to
confirm, lots to stop using, problems to report, stock on hand). It needs both apps, so it lives
in `inspections` (ARCHITECTURE.md); it is mounted without a namespace at `hospital/`."""
