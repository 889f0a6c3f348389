"""The hospital portal: what hospital staff see and do for their own hospitals (recall notices
to answer and units to send back, deliveries to confirm, lots to stop using, problems to report,
stock on hand). It needs both apps, so it lives in `inspections` (ARCHITECTURE.md); it is mounted
without a namespace at `hospital/`."""
