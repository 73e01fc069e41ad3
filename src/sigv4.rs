//! AWS Signature Version 4. Owned by the Lambda work (issue 5).
