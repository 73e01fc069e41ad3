"""The 205 VTL templates recorded on real API Gateway (tests/vtl-aws-recorded/cases.json), served by
the filter in a real Envoy, set up the way AWS was called (that directory's README, "How AWS was
called"): a POST method with a MOCK integration whose request template stores the body in
`$context.requestOverride.path.body`, and a 200 integration response whose response template reads it
back. The client POSTs the recorded body; the response body must be the one AWS returned.

All cases share one definition (resource `/cI` for case I) and one Envoy."""

import json
import os
import re

import pytest

from conftest import ROOT

with open(os.path.join(ROOT, "tests/vtl-aws-recorded/cases.json"), encoding="utf-8") as f:
    CASES = json.load(f)


def case_operation(case):
    """The root POST method of the API that recorded `case`, exactly as configured on AWS."""
    return {"post": {
        "responses": {"200": {"description": "200 response"}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": case["request_template"]},
            "passthroughBehavior": "when_no_match",
            "responses": {"default": {"statusCode": "200",
                                      "responseTemplates": {"application/json": case["response_template"]}}},
        },
    }}


CORPUS_API = {
    "openapi": "3.0.1", "info": {"title": "vtl-corpus", "version": "1"},
    "paths": {f"/c{i}": case_operation(case) for i, case in enumerate(CASES)},
}


def normalise(s):
    """The README's normalisation, as the snapshot tool applied it to the 2 flagged AWS outputs."""
    return re.sub(r"\s+", " ", s.replace("\n", " ").strip())


@pytest.fixture(scope="module")
def corpus(gateway_factory):
    return gateway_factory(CORPUS_API, stage="test")


# Each recorded case: 200, and the body AWS returned (parsed JSON or normalised where the README says).
@pytest.mark.parametrize("index", range(len(CASES)), ids=[c["id"] for c in CASES])
def test_aws_recorded_case(corpus, index):
    case = CASES[index]
    r = corpus.request("POST", f"/c{index}", data=case["request_body"].encode("utf-8"),
                       headers={"content-type": "application/json"})
    got = r.content.decode("utf-8")
    assert r.status_code == 200, f"{r.status_code} {got!r}"
    if case["aws_output_json"] is not None:
        assert json.loads(got) == case["aws_output_json"]
    elif case["whitespace_normalised"]:
        assert normalise(got) == case["aws_output"]
    else:
        assert got == case["aws_output"]
