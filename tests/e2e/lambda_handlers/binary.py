"""Returns a 1x1 PNG as a base64 body with isBase64Encoded: true (decoded only when the client's
first Accept entry matches binaryMediaTypes)."""

PNG_1X1 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": PNG_1X1,
        "isBase64Encoded": True,
    }
