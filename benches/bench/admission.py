"""The checks before an integration beside the plain MOCK (c), in the same Envoy and rounds
(access-control notes §5, §6; README "Request validation", "API keys", "Throttling"):

- (h) a validated POST: a 1 KB JSON body checked against a 20-property model (the validator
  checks the body and the parameters), then a MOCK;
- (h0) h's request to the same MOCK without a validator: the body read, nothing checked; h − h0 is
  the validation's own cost;
- (k) a key-checked, throttled GET: `GET /res25` requiring an API key (`x-api-key`) in a usage plan
  with a throttle and a quota, the stage's method limit and the account's: four levels counted
  in Envoy's shared data per request, none of them refusing (limits far above the load)."""

import json
import os

from .common import ACCOUNT_SETTINGS, apigw, free_port
from .definitions import MOCK_BODY, generated_definition

API_ID = "benchapi01"
API_KEY = "bench-key-0123456789abcdefghij"
HIGH = {"burstLimit": 1000000000, "rateLimit": 1e9}


def order_schema():
    """A 20-property model of the kinds published definitions use: strings with patterns, lengths
    and enums, bounded numbers, a nested object, an array of objects, a date-time format."""
    props = {
        "orderId": {"type": "string", "pattern": "^ord-[0-9]{8}$"},
        "customerId": {"type": "string", "minLength": 8, "maxLength": 40},
        "email": {"type": "string", "pattern": "^[^@]+@[^@]+$"},
        "status": {"type": "string", "enum": ["NEW", "PAID", "SHIPPED", "CANCELLED"]},
        "currency": {"type": "string", "enum": ["USD", "EUR", "GBP"]},
        "total": {"type": "number", "minimum": 0, "maximum": 1000000},
        "itemCount": {"type": "integer", "minimum": 1, "maximum": 100},
        "priority": {"type": "integer", "minimum": 0, "maximum": 9},
        "gift": {"type": "boolean"},
        "note": {"type": "string", "maxLength": 500},
        "createdAt": {"type": "string", "format": "date-time"},
        "channel": {"type": "string", "enum": ["web", "mobile", "store"]},
        "coupon": {"type": ["string", "null"]},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}, "maxItems": 10},
        "shipping": {"type": "object", "required": ["street", "city", "country"], "properties": {
            "street": {"type": "string"}, "city": {"type": "string"}, "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
            "country": {"type": "string", "minLength": 2, "maxLength": 2}}},
        "billing": {"type": "object", "properties": {"city": {"type": "string"}, "country": {"type": "string"}}},
        "items": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["sku", "qty"], "properties": {
            "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"}, "qty": {"type": "integer", "minimum": 1},
            "price": {"type": "number", "minimum": 0}}}},
        "discount": {"type": "number", "minimum": 0, "maximum": 100},
        "loyaltyId": {"type": "string"},
        "source": {"type": "string"},
    }
    return {"type": "object", "required": ["orderId", "customerId", "status", "total", "items"],
            "additionalProperties": False, "properties": props}


def order_body():
    """About 1 KB of JSON the model accepts."""
    body = {
        "orderId": "ord-20261205", "customerId": "cust-0001-abcdef", "email": "buyer@example.com",
        "status": "PAID", "currency": "EUR", "total": 149.9, "itemCount": 3, "priority": 2, "gift": False,
        "note": "Leave the parcel at the reception desk if nobody answers the door, thank you very much.",
        "createdAt": "2026-12-05T08:00:00Z", "channel": "web", "coupon": None,
        "tags": ["winter", "sale", "express"],
        "shipping": {"street": "1 Example Street", "city": "Lyon", "zip": "69001", "country": "FR"},
        "billing": {"city": "Lyon", "country": "FR"},
        "items": [{"sku": "ABC-0001", "qty": 1, "price": 49.9}, {"sku": "DEF-0002", "qty": 2, "price": 50.0},
                  {"sku": "GHI-0003", "qty": 1, "price": 0}],
        "discount": 5, "loyaltyId": "loyal-000123456789", "source": "bench",
    }
    body["loyaltyId"] += "0" * max(1024 - len(json.dumps(body)), 0)
    return json.dumps(body).encode()


def validated_definition(validate):
    doc = generated_definition(100)
    op = {"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "passthroughBehavior": "when_no_match",
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": MOCK_BODY}}}},
        "responses": {"200": {"description": "200 response"}},
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}}}
    if validate:
        op["x-amazon-apigateway-request-validator"] = "all"
        doc["x-amazon-apigateway-request-validators"] = {
            "all": {"validateRequestBody": True, "validateRequestParameters": True}}
    doc["paths"]["/orders"] = {"post": op}
    doc["components"] = {"schemas": {"Order": order_schema()}}
    return doc


def keyed_definition():
    doc = generated_definition(100)
    doc["components"] = {"securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}}
    doc["paths"]["/res25"]["get"]["security"] = [{"api_key": []}]
    return doc


def script(work, name, method=None, headers=None, body=None):
    path = os.path.join(work, f"{name}.lua")
    lines = [f'wrk.method = "{method}"'] if method else []
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in (headers or {}).items()]
    if body is not None:
        lines.append("wrk.body = " + json.dumps(body.decode()))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


class AdmissionScenarios:
    """The listeners and scenarios of h, h0 and k (their filters use c's clusters)."""

    def __init__(self, wasm, work):
        def plugin(doc, **extra):
            return json.dumps(apigw.plugin_config(doc, stage="prod", stage_prefix="optional",
                                                  extra={"accountSettings": ACCOUNT_SETTINGS, **extra}))
        plans = {"items": [{"id": "benchplan", "name": "bench", "apiStages": [{"apiId": API_ID, "stage": "prod"}],
                            "throttle": HIGH, "quota": {"limit": 1000000000, "offset": 0, "period": "DAY"}}]}
        stage = {"stageName": "prod", "methodSettings": {"~1res25/GET": {
            "throttlingRateLimit": 1e9, "throttlingBurstLimit": 1000000000}}}
        keys = f"Name,Key,Enabled,UsagePlanIds\nbench,{API_KEY},TRUE,benchplan\n"
        ports = {k: free_port() for k in ("validated", "unvalidated", "keyed")}
        gw = apigw.gateway_routes()
        self.listeners = [
            apigw.listener("validated", ports["validated"],
                           [apigw.wasm_filter(wasm, plugin(validated_definition(True)), "apigateway_validated")],
                           gw, "127.0.0.1"),
            apigw.listener("unvalidated", ports["unvalidated"],
                           [apigw.wasm_filter(wasm, plugin(validated_definition(False)), "apigateway_unvalidated")],
                           gw, "127.0.0.1"),
            apigw.listener("keyed", ports["keyed"],
                           [apigw.wasm_filter(wasm, plugin(keyed_definition(), apiId=API_ID, apiKeys=keys,
                                                           usagePlans=plans, stageSettings=stage), "apigateway_keyed")],
                           gw, "127.0.0.1"),
        ]
        body = order_body()
        post = {"Content-Type": "application/json"}
        post_script = script(work, "order-post", "POST", post, body)
        key = {"x-api-key": API_KEY}
        self.plan = [
            ("h", f"(h) filter: POST of a {len(body)}-byte JSON body validated against a 20-property model, MOCK",
             ports["validated"], "POST", "/orders", post_script, 200, MOCK_BODY.encode(), post, body),
            ("h0", "(h0) h's request, the same MOCK without a validator", ports["unvalidated"], "POST", "/orders",
             post_script, 200, MOCK_BODY.encode(), post, body),
            ("k", "(k) filter: c's MOCK behind an API key in a usage plan (throttle, quota), stage and account "
                  "throttles: 4 levels counted, none refusing", ports["keyed"], "GET", "/res25",
             script(work, "api-key", headers=key), 200, MOCK_BODY.encode(), key),
        ]
