//! Lambda proxy events (payload 1.0 and 2.0). Owned by the Lambda work (issue 5).
