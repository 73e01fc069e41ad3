"""A Python Lambda runtime for scripts/local_lambda.py: runs one function's handler, one invocation
at a time, in its own process (its own environment, killed at its timeout, restarted when its code
changes).

Protocol: one JSON request per line on stdin, `{"event": ..., "context": {...}}`; one JSON answer per
line on file descriptor 3, `{"result": <the handler's value>}` or `{"error": {"errorMessage",
"errorType", "requestId", "stackTrace"}}` (the Python runtime's error payload). What the handler
prints goes to stderr (make run's console), as a function's logs would."""

import importlib
import json
import os
import sys
import time
import traceback


class Context:
    """The Python runtime's context object."""

    def __init__(self, c):
        self.function_name = c["functionName"]
        self.function_version = c["functionVersion"]
        self.invoked_function_arn = c["invokedFunctionArn"]
        self.memory_limit_in_mb = c["memoryLimitInMB"]
        self.aws_request_id = c["awsRequestId"]
        self.log_group_name = c["logGroupName"]
        self.log_stream_name = c["logStreamName"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = c["deadlineMs"]

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def error(e, request_id, error_type=None):
    return {"errorMessage": str(e), "errorType": error_type or type(e).__name__, "requestId": request_id,
            "stackTrace": traceback.format_list([f for f in traceback.extract_tb(e.__traceback__)
                                                 if f.filename != __file__])}


def load(handler):
    """(function, None) or (None, the error the runtime reports for every invocation)."""
    module_name, _, name = handler.rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as e:  # noqa: BLE001 (the runtime reports any import failure)
        return None, {"errorMessage": f"Unable to import module '{module_name}': {e}",
                      "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}
    function = getattr(module, name, None)
    if not callable(function):
        return None, {"errorMessage": f"Handler '{name}' missing on module '{module_name}'",
                      "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}
    return function, None


def main():
    out = os.fdopen(3, "w", encoding="utf-8")
    sys.stdout = sys.stderr
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    function, failure = None, None
    for line in sys.stdin:
        request = json.loads(line)
        context = Context(request["context"])
        if function is None and failure is None:
            function, failure = load(os.environ["_HANDLER"])
        if failure:
            answer = {"error": dict(failure, requestId=context.aws_request_id)}
        else:
            try:
                result = function(request["event"], context)
                answer = {"result": json.loads(json.dumps(result))}
            except (TypeError, ValueError) as e:
                answer = {"error": error(e, context.aws_request_id)}
                if "JSON serializable" in str(e) or "Circular reference" in str(e):
                    answer["error"]["errorType"] = "Runtime.MarshalError"
            except Exception as e:  # noqa: BLE001 (the function's own failure, as the runtime reports it)
                answer = {"error": error(e, context.aws_request_id)}
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
