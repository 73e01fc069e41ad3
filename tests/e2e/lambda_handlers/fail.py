"""Raises, so the Invoke API answers with X-Amz-Function-Error: Unhandled."""


class CustomError(Exception):
    pass


def handler(event, context):
    raise CustomError("something went wrong")
