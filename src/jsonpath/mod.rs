//! JSONPath as API Gateway (Jayway) evaluates it. Owned by the VTL work (issue 8).
