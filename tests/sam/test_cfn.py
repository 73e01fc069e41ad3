"""scripts/cfn.py: CloudFormation intrinsics evaluated locally, and errors naming their place."""

import random

import pytest

import cfn

TEMPLATE = {
    "Parameters": {
        "Env": {"Type": "String", "Default": "dev"},
        "Names": {"Type": "CommaDelimitedList", "Default": "a, b,c"},
        "Port": {"Type": "Number", "Default": 8080},
        "NoDefault": {"Type": "String"},
    },
    "Mappings": {"Regions": {"us-east-1": {"Ami": "ami-1", "Zone": "east"}, "eu-west-1": {"Ami": "ami-2"}}},
    "Conditions": {
        "IsDev": {"Fn::Equals": [{"Ref": "Env"}, "dev"]},
        "IsProd": {"Fn::Not": [{"Condition": "IsDev"}]},
        "Both": {"Fn::And": [{"Condition": "IsDev"}, {"Fn::Equals": ["1", "1"]}]},
        "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Fn::Equals": [{"Ref": "Port"}, "8080"]}]},
        "Loop": {"Fn::Not": [{"Condition": "Loop"}]},
    },
    "Resources": {
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {}},
        "Named": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": {"Fn::Sub": "${Env}-named"}}},
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Role": {"Type": "AWS::IAM::Role"},
        "Alb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer"},
        "Bucket": {"Type": "AWS::S3::Bucket"},
    },
}


def resolver(**overrides):
    return cfn.Resolver(TEMPLATE, "us-east-1", "123456789012", overrides)


def resolve(value, **overrides):
    return resolver(**overrides).resolve(value, "X")


@pytest.mark.parametrize("value,expected", [
    ({"Ref": "Env"}, "dev"),
    ({"Ref": "Names"}, ["a", "b", "c"]),
    ({"Ref": "Port"}, "8080"),
    ({"Ref": "AWS::Region"}, "us-east-1"),
    ({"Ref": "AWS::AccountId"}, "123456789012"),
    ({"Ref": "AWS::Partition"}, "aws"),
    ({"Ref": "AWS::URLSuffix"}, "amazonaws.com"),
    ({"Ref": "AWS::StackName"}, "local"),
    ({"Ref": "Fn"}, "Fn"),
    ({"Ref": "Named"}, "dev-named"),
    ({"Ref": "Queue"}, "https://sqs.us-east-1.amazonaws.com/123456789012/Queue"),
    ({"Ref": "Topic"}, "arn:aws:sns:us-east-1:123456789012:Topic"),
    ({"Ref": "Alb"}, "Alb"),
    ({"Fn::GetAtt": ["Fn", "Arn"]}, "arn:aws:lambda:us-east-1:123456789012:function:Fn"),
    ({"Fn::GetAtt": "Named.Arn"}, "arn:aws:lambda:us-east-1:123456789012:function:dev-named"),
    ({"Fn::GetAtt": ["Role", "Arn"]}, "arn:aws:iam::123456789012:role/Role"),
    ({"Fn::GetAtt": ["Queue", "QueueName"]}, "Queue"),
    ({"Fn::GetAtt": ["Bucket", "Arn"]}, "arn:aws:s3:::Bucket"),
    ({"Fn::Sub": "${AWS::Region}/${Env}/${Fn.Arn}/${!Literal}/$x"},
     "us-east-1/dev/arn:aws:lambda:us-east-1:123456789012:function:Fn/${Literal}/$x"),
    ({"Fn::Sub": ["${A}-${Env}", {"A": {"Ref": "Port"}}]}, "8080-dev"),
    ({"Fn::Sub": "#set($x = $input.path('$'))"}, "#set($x = $input.path('$'))"),
    ({"Fn::Join": [",", ["a", {"Ref": "Env"}, 3]]}, "a,dev,3"),
    ({"Fn::Join": ["", {"Ref": "Names"}]}, "abc"),
    ({"Fn::Select": ["1", {"Ref": "Names"}]}, "b"),
    ({"Fn::Select": [0, {"Fn::Split": ["/", "x/y"]}]}, "x"),
    ({"Fn::Split": [",", {"Fn::Join": [",", ["p", "q"]]}]}, ["p", "q"]),
    ({"Fn::FindInMap": ["Regions", {"Ref": "AWS::Region"}, "Ami"]}, "ami-1"),
    ({"Fn::FindInMap": ["Regions", "eu-west-1", "Zone", {"DefaultValue": "none"}]}, "none"),
    ({"Fn::Base64": "hi"}, "aGk="),
    ({"Fn::GetAZs": ""}, ["us-east-1a", "us-east-1b", "us-east-1c"]),
    ({"Fn::If": ["IsDev", "yes", "no"]}, "yes"),
    ({"Fn::If": ["IsProd", "yes", "no"]}, "no"),
    ({"Fn::If": ["Both", 1, 2]}, 1),
    ({"Fn::If": ["Either", 1, 2]}, 1),
    ({"k": {"Fn::If": ["IsProd", "x", {"Ref": "AWS::NoValue"}]}, "j": 1}, {"j": 1}),
    ([1, {"Fn::If": ["IsDev", {"Ref": "AWS::NoValue"}, 2]}, 3], [1, 3]),
    ({"plain": "${AWS::Region} stays outside Fn::Sub"}, {"plain": "${AWS::Region} stays outside Fn::Sub"}),
])
def test_resolves(value, expected):
    assert resolve(value) == expected


def test_overrides_win():
    assert resolve({"Ref": "Env"}, Env="prod") == "prod"
    assert resolve({"Fn::If": ["IsDev", 1, 2]}, Env="prod") == 2
    assert resolve({"Fn::GetAtt": ["Alb", "DNSName"]}, **{"Alb.DNSName": "alb.local"}) == "alb.local"
    assert resolve({"Fn::Sub": "http://${Alb.DNSName}/x"}, **{"Alb.DNSName": "alb.local"}) == "http://alb.local/x"
    assert resolve({"Ref": "NoDefault"}, NoDefault="given") == "given"
    assert resolve({"Fn::If": ["IsDev", 1, 2]}, IsDev="false") == 2


@pytest.mark.parametrize("value,message", [
    ({"Fn::GetAtt": ["Alb", "DNSName"]}, "X.Fn::GetAtt: Fn::GetAtt Alb.DNSName (AWS::ElasticLoadBalancingV2::LoadBalancer) "
                                         "cannot be resolved locally (give it with CFN_PARAMS=Alb.DNSName=<value>)"),
    ({"a": [{"b": {"Fn::Sub": "http://${Alb.DNSName}"}}]},
     "X.a[0].b.Fn::Sub: Fn::GetAtt Alb.DNSName (AWS::ElasticLoadBalancingV2::LoadBalancer) cannot be resolved locally"),
    ({"Ref": "Nothing"}, "X.Ref: Ref Nothing: no such parameter or resource in the template"),
    ({"Ref": "NoDefault"}, "X.Ref: parameter NoDefault has no Default: give it with CFN_PARAMS=NoDefault=<value>"),
    ({"Fn::ImportValue": "shared"}, "X.Fn::ImportValue: Fn::ImportValue cannot be resolved locally"),
    ({"Fn::If": ["Missing", 1, 2]}, "X.Fn::If: no condition Missing in the template's Conditions"),
    ({"Fn::If": ["Loop", 1, 2]}, "Conditions.Loop.Fn::Not[0].Condition: condition Loop refers to itself"),
    ({"Fn::Select": [5, ["a"]]}, "X.Fn::Select: Fn::Select index 5 is not in the list"),
    ({"Fn::FindInMap": ["Regions", "eu-west-1", "Zone"]}, "X.Fn::FindInMap: Fn::FindInMap: no Regions.eu-west-1.Zone"),
    ({"Fn::Join": [",", "notalist"]}, "X.Fn::Join: Fn::Join takes a list of values"),
    ({"Fn::Sub": "${Names}"}, "X.Fn::Sub: ${Names} is not a string"),
])
def test_errors_name_the_place(value, message):
    with pytest.raises(cfn.IntrinsicError) as e:
        resolve(value)
    assert str(e.value).startswith(message)


NAMES = ["Ref", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Fn::If", "Fn::Select", "Fn::Split", "Fn::FindInMap",
         "Fn::Base64", "Fn::GetAZs", "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition", "Fn::ImportValue",
         "Fn::Transform", "Fn::Cidr"]
ATOMS = ["Env", "Names", "Fn", "Fn.Arn", "Alb.DNSName", "IsDev", "Loop", "AWS::NoValue", "AWS::Region", "${Env}",
         "${Fn.Arn}", "${", "${!x}", "", ",", "0", "7", -1, 3, None, True, 1.5, "Regions", "us-east-1", "Ami"]


def arbitrary(rng, depth):
    """Any shape a template could hold: intrinsics with arguments of any type and length."""
    roll = rng.random()
    if depth <= 0 or roll < 0.3:
        return rng.choice(ATOMS)
    if roll < 0.75:
        return {rng.choice(NAMES): arbitrary(rng, depth - 1)}
    if roll < 0.9:
        return [arbitrary(rng, depth - 1) for _ in range(rng.randrange(4))]
    return {rng.choice(["a", "b", "Fn::Sub"]): arbitrary(rng, depth - 1) for _ in range(rng.randrange(3))}


def test_never_fails_but_with_an_intrinsic_error():
    """Property: whatever a template holds, the resolver answers a value or an IntrinsicError, never
    another exception (20,000 random values, a fixed seed)."""
    rng = random.Random(15)
    r = resolver()
    for _ in range(20000):
        value = arbitrary(rng, 5)
        try:
            r.resolve(value, "X")
        except cfn.IntrinsicError:
            pass
