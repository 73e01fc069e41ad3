//! Velocity (VTL) mapping templates, API Gateway's dialect. Owned by the VTL work (issue 8).
