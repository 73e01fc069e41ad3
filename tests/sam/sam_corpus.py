#!/usr/bin/env python3
"""scripts/sam.py `translate` against SAM's own translator tests: for each template of
`<checkout>/tests/translator/input/*.yaml` in scope, the `Body` of every AWS::ApiGateway::RestApi in
`<checkout>/tests/translator/output/<same name>.json` must equal what `translate` writes.

    python3 tests/sam/sam_corpus.py <a checkout of github.com/aws/serverless-application-model>

Not part of `make test` (it needs that checkout). Out of scope, and skipped: templates using what
README "From `sam local start-api`" lists as not done (conditions, OpenAPI 3, MergeDefinitions,
models, gateway responses, resource policies, usage plans, domains, state machines), `error_*`
templates, and APIs whose definition is in S3."""

import glob
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import apigw  # noqa: E402
import sam  # noqa: E402

OUT_OF_SCOPE = ("Condition", "OpenApiVersion", "openapi", "Fn::If", "MergeDefinitions", "ResourcePolicy",
                "RequestModel", "GatewayResponses", "Models", "DisableExecuteApiEndpoint", "StateMachine",
                "UsagePlan", "Domain")


def expected_bodies(path):
    with open(path, encoding="utf-8") as f:
        out = json.load(f)
    return {k: v["Properties"]["Body"] for k, v in out.get("Resources", {}).items()
            if v.get("Type") == "AWS::ApiGateway::RestApi" and "Body" in v.get("Properties", {})}


def main(checkout):
    same, different = [], []
    for path in sorted(glob.glob(os.path.join(checkout, "tests/translator/input/*.yaml"))):
        name = os.path.basename(path)[:-5]
        output = os.path.join(checkout, "tests/translator/output", name + ".json")
        if name.startswith("error_") or not os.path.exists(output):
            continue
        try:
            doc = apigw.read_document(path)
        except apigw.DefinitionError:
            continue
        expected = expected_bodies(output)
        if not expected or any(word in json.dumps(doc) for word in OUT_OF_SCOPE):
            continue
        try:
            apis, _ = sam.translate(doc, os.path.dirname(path))
        except sam.TemplateError as e:
            if "cannot be read locally" in str(e):
                continue  # a definition in S3
            different.append((name, str(e)))
            continue
        wrong = [k for k, body in expected.items() if k not in apis or apis[k]["body"] != body]
        (different.append((name, ", ".join(wrong))) if wrong else same.append(name))
    for name, why in different:
        print(f"different: {name}: {why}")
    print(f"{len(same)} of {len(same) + len(different)} templates in scope: the same Body as SAM's translator")
    return 0 if not different else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
