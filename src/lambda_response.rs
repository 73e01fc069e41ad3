//! Lambda proxy response validation (reference §2). Owned by the Lambda work (issue 5).
