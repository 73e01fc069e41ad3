"""CloudFormation intrinsics, evaluated locally for `make run API=template.yaml` (README: "From `sam
local start-api`").

`Resolver(template, ...).resolve(value, where)` replaces `Ref`, `Fn::Sub` (both forms), `Fn::GetAtt`,
`Fn::Join`, `Fn::If` (with the template's `Conditions`: `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`,
`Condition`), `Fn::Select`, `Fn::Split`, `Fn::FindInMap` (with `Mappings`), `Fn::Base64`, `Fn::GetAZs`
and `AWS::NoValue`, from the template's `Parameters` (their `Default`, overridden by `CFN_PARAMS`),
the pseudo parameters, and what a resource stands for locally (`LOCAL_ATTRIBUTES`). What cannot be
known off AWS (`Fn::ImportValue`, an attribute such as a load balancer's `DNSName`) raises
`IntrinsicError` naming its place in the template, e.g. `Resources.Api.Properties.DefinitionBody.
paths./x.get.x-amazon-apigateway-integration.uri: Fn::GetAtt Alb.DNSName cannot be resolved
locally (give it with CFN_PARAMS=Alb.DNSName=<value>)`. `CFN_PARAMS` names (`Name`, `Res.Attr`)
win over everything, so any of them can be supplied."""

import base64
import re

NO_VALUE = object()  # AWS::NoValue: the key or list element goes away
# `${Name}`, `${Res.Attr}`, `${AWS::Region}`; `${!Literal}` is written as `${Literal}`.
SUB_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
INTRINSICS = ("Ref", "Condition", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Fn::If", "Fn::Equals", "Fn::Not",
              "Fn::And", "Fn::Or", "Fn::Select", "Fn::Split", "Fn::FindInMap", "Fn::Base64", "Fn::GetAZs",
              "Fn::ImportValue", "Fn::Cidr", "Fn::Transform", "Fn::Length", "Fn::ToJsonString")


class IntrinsicError(Exception):
    pass


def is_intrinsic(value):
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in INTRINSICS


def _arn(service, resource, region=True, account=True):
    return lambda r, a, n: f"arn:aws:{service}:{r if region else ''}:{a if account else ''}:{resource.format(n=n)}"


# What a resource's `Ref` and attributes stand for off AWS, by type: the physical name is the
# logical id (as `sam local` names them) unless the template names it. (region, account, name) -> value.
LOCAL_ATTRIBUTES = {
    "AWS::Serverless::Function": {"Ref": lambda r, a, n: n, "Arn": _arn("lambda", "function:{n}")},
    "AWS::Lambda::Function": {"Ref": lambda r, a, n: n, "Arn": _arn("lambda", "function:{n}")},
    "AWS::IAM::Role": {"Ref": lambda r, a, n: n, "Arn": _arn("iam", "role/{n}", region=False),
                       "RoleId": lambda r, a, n: n},
    "AWS::DynamoDB::Table": {"Ref": lambda r, a, n: n, "Arn": _arn("dynamodb", "table/{n}")},
    "AWS::Serverless::SimpleTable": {"Ref": lambda r, a, n: n, "Arn": _arn("dynamodb", "table/{n}")},
    "AWS::SQS::Queue": {"Ref": lambda r, a, n: f"https://sqs.{r}.amazonaws.com/{a}/{n}",
                        "Arn": _arn("sqs", "{n}"), "QueueName": lambda r, a, n: n,
                        "QueueUrl": lambda r, a, n: f"https://sqs.{r}.amazonaws.com/{a}/{n}"},
    "AWS::SNS::Topic": {"Ref": _arn("sns", "{n}"), "TopicArn": _arn("sns", "{n}"), "TopicName": lambda r, a, n: n},
    "AWS::StepFunctions::StateMachine": {"Ref": _arn("states", "stateMachine:{n}"),
                                         "Arn": _arn("states", "stateMachine:{n}"), "Name": lambda r, a, n: n},
    "AWS::Serverless::StateMachine": {"Ref": _arn("states", "stateMachine:{n}"),
                                      "Arn": _arn("states", "stateMachine:{n}"), "Name": lambda r, a, n: n},
    "AWS::S3::Bucket": {"Ref": lambda r, a, n: n, "Arn": _arn("s3", "{n}", region=False, account=False)},
    "AWS::Kinesis::Stream": {"Ref": lambda r, a, n: n, "Arn": _arn("kinesis", "stream/{n}")},
    "AWS::Events::EventBus": {"Ref": lambda r, a, n: n, "Arn": _arn("events", "event-bus/{n}"),
                              "Name": lambda r, a, n: n},
    "AWS::Serverless::Api": {"Ref": lambda r, a, n: n, "RootResourceId": lambda r, a, n: "root"},
    "AWS::ApiGateway::RestApi": {"Ref": lambda r, a, n: n, "RootResourceId": lambda r, a, n: "root"},
    "AWS::Cognito::UserPool": {"Ref": lambda r, a, n: n},
}
# Physical-name properties, by type: a resource that names itself is called so locally too.
NAME_PROPERTIES = {"AWS::Serverless::Function": "FunctionName", "AWS::Lambda::Function": "FunctionName",
                   "AWS::DynamoDB::Table": "TableName", "AWS::SQS::Queue": "QueueName",
                   "AWS::SNS::Topic": "TopicName", "AWS::StepFunctions::StateMachine": "StateMachineName",
                   "AWS::Serverless::StateMachine": "Name", "AWS::S3::Bucket": "BucketName",
                   "AWS::IAM::Role": "RoleName"}


def pseudo_parameters(region, account_id, stack_name="local"):
    return {"AWS::Region": region, "AWS::AccountId": account_id, "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/local",
            "AWS::NotificationARNs": []}


class Resolver:
    """Evaluates a template's intrinsics (module doc). `overrides`: CFN_PARAMS, name -> text."""

    def __init__(self, template, region, account_id, overrides=None, api_ids=None):
        self.template = template
        self.region, self.account_id = region, account_id
        self.overrides = dict(overrides or {})
        self.api_ids = dict(api_ids or {})  # API logical id -> its API_ID, when given
        self.pseudo = pseudo_parameters(region, account_id)
        self.resources = template.get("Resources") if isinstance(template.get("Resources"), dict) else {}
        self.conditions = {}
        self.extra_refs = {}  # names a transform made (a function's alias): name -> value
        self.parameters = self._parameters()

    def _parameters(self):
        out = {}
        declared = self.template.get("Parameters") if isinstance(self.template.get("Parameters"), dict) else {}
        for name, spec in declared.items():
            spec = spec if isinstance(spec, dict) else {}
            value = self.overrides.get(name, spec.get("Default"))
            if value is None:
                continue  # resolving a Ref to it says so, with its place
            if str(spec.get("Type", "")).startswith(("CommaDelimitedList", "List<")) and isinstance(value, str):
                value = [v.strip() for v in value.split(",")]
            out[name] = value if isinstance(value, list) else str(value)
        return out

    # --- values --------------------------------------------------------------------------------

    def resolve(self, value, where):
        """`value` with every intrinsic evaluated; `where` is its place (for errors)."""
        if isinstance(value, list):
            out = [self.resolve(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return [v for v in out if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if is_intrinsic(value):
            (name, arg), = value.items()
            return self.intrinsic(name, arg, f"{where}.{name}")
        out = {}
        for k, v in value.items():
            r = self.resolve(v, f"{where}.{k}")
            if r is not NO_VALUE:
                out[k] = r
        return out

    def intrinsic(self, name, arg, where):
        handler = {
            "Ref": self.ref, "Fn::Sub": self.sub, "Fn::GetAtt": self.get_att, "Fn::Join": self.join,
            "Fn::If": self.if_, "Fn::Select": self.select, "Fn::Split": self.split,
            "Fn::FindInMap": self.find_in_map, "Fn::Base64": self.base64, "Fn::GetAZs": self.get_azs,
            "Condition": lambda a, w: self.condition(a, w), "Fn::Equals": self.condition_fn(name),
            "Fn::Not": self.condition_fn(name), "Fn::And": self.condition_fn(name), "Fn::Or": self.condition_fn(name),
        }.get(name)
        if handler is None:
            raise IntrinsicError(f"{where}: {name} cannot be resolved locally")
        return handler(arg, where)

    def text(self, value, where):
        """A value that must resolve to a string (or a number, written as CloudFormation does)."""
        value = self.resolve(value, where)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        if not isinstance(value, str):
            raise IntrinsicError(f"{where}: expected a string, got {type(value).__name__}")
        return value

    # --- Ref, Fn::GetAtt, Fn::Sub ----------------------------------------------------------------

    def ref(self, name, where):
        if not isinstance(name, str):
            raise IntrinsicError(f"{where}: Ref takes a name")
        if name in self.overrides:
            return self.overrides[name]
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.extra_refs:
            return self.extra_refs[name]
        declared = self.template.get("Parameters") or {}
        if isinstance(declared, dict) and name in declared:
            raise IntrinsicError(f"{where}: parameter {name} has no Default: give it with CFN_PARAMS={name}=<value>")
        return self.attribute(name, "Ref", where)

    def get_att(self, arg, where):
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not (isinstance(arg, list) and len(arg) == 2):
            raise IntrinsicError(f"{where}: Fn::GetAtt takes [resource, attribute]")
        resource, attr = arg[0], self.text(arg[1], f"{where}[1]")
        if not isinstance(resource, str):
            raise IntrinsicError(f"{where}: Fn::GetAtt names a resource by a string")
        key = f"{resource}.{attr}"
        if key in self.overrides:
            return self.overrides[key]
        return self.attribute(resource, attr, where)

    def attribute(self, resource, attr, where):
        what = resource if attr == "Ref" else f"{resource}.{attr}"
        res = self.resources.get(resource)
        if not isinstance(res, dict):
            raise IntrinsicError(f"{where}: {'Ref' if attr == 'Ref' else 'Fn::GetAtt'} {what}: "
                                 "no such parameter or resource in the template")
        kind = res.get("Type")
        known = LOCAL_ATTRIBUTES.get(kind, {})
        if attr == "Ref" and resource in self.api_ids:
            return self.api_ids[resource]
        if attr not in known:
            if attr == "Ref":
                return resource  # a resource's physical id: locally its logical id, as sam local does
            raise IntrinsicError(f"{where}: Fn::GetAtt {what} ({kind}) cannot be resolved locally "
                                 f"(give it with CFN_PARAMS={what}=<value>)")
        return known[attr](self.region, self.account_id, self.physical_name(resource, where))

    def physical_name(self, resource, where):
        res = self.resources[resource]
        prop = NAME_PROPERTIES.get(res.get("Type"))
        props = res.get("Properties") if isinstance(res.get("Properties"), dict) else {}
        if prop and props.get(prop) is not None:
            return self.text(props[prop], f"Resources.{resource}.Properties.{prop}")
        return resource

    def sub(self, arg, where):
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            text, variables = arg[0], {k: self.resolve(v, f"{where}[1].{k}") for k, v in arg[1].items()}
        else:
            text, variables = arg, {}
        if not isinstance(text, str):
            raise IntrinsicError(f"{where}: Fn::Sub takes a string or [string, {{variables}}]")

        def one(m):
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name and not name.startswith("AWS::"):
                value = self.get_att(name.split(".", 1), where)
            else:
                value = self.ref(name, where)
            if isinstance(value, list) or value is NO_VALUE:
                raise IntrinsicError(f"{where}: ${{{name}}} is not a string")
            return str(value)

        return SUB_PLACEHOLDER.sub(one, text)

    # --- the rest --------------------------------------------------------------------------------

    def join(self, arg, where):
        if not (isinstance(arg, list) and len(arg) == 2):
            raise IntrinsicError(f"{where}: Fn::Join takes [delimiter, [values]]")
        parts = self.resolve(arg[1], f"{where}[1]")
        if not isinstance(parts, list):
            raise IntrinsicError(f"{where}: Fn::Join takes a list of values")
        return self.text(arg[0], f"{where}[0]").join(self.text(p, f"{where}[1]") for p in parts)

    def if_(self, arg, where):
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            raise IntrinsicError(f"{where}: Fn::If takes [condition, value if true, value if false]")
        branch = 1 if self.condition(arg[0], where) else 2
        return self.resolve(arg[branch], f"{where}[{branch}]")

    def condition(self, name, where):
        """A named condition of the template's `Conditions` (memoised); `CFN_PARAMS=<Name>=true|false`
        decides one outright."""
        if not isinstance(name, str):
            raise IntrinsicError(f"{where}: a condition is named by a string")
        if name in self.overrides:
            return str(self.overrides[name]).lower() == "true"
        if name not in self.conditions:
            declared = self.template.get("Conditions") if isinstance(self.template.get("Conditions"), dict) else {}
            if name not in declared:
                raise IntrinsicError(f"{where}: no condition {name} in the template's Conditions")
            self.conditions[name] = None  # a cycle is refused below
            self.conditions[name] = self.truth(declared[name], f"Conditions.{name}")
        if self.conditions[name] is None:
            raise IntrinsicError(f"{where}: condition {name} refers to itself")
        return self.conditions[name]

    def condition_fn(self, name):
        return lambda arg, where: self.truth({name: arg}, where.rsplit(".", 1)[0])

    def truth(self, value, where):
        """A condition function's value (True or False)."""
        if not is_intrinsic(value):
            raise IntrinsicError(f"{where}: a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition")
        (name, arg), = value.items()
        here = f"{where}.{name}"
        if name == "Condition":
            return self.condition(arg, here)
        if name == "Fn::Equals":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise IntrinsicError(f"{here}: Fn::Equals takes two values")
            a, b = (self.resolve(v, f"{here}[{i}]") for i, v in enumerate(arg))
            return self._scalar(a) == self._scalar(b)
        if name in ("Fn::Not", "Fn::And", "Fn::Or"):
            if not isinstance(arg, list) or not arg:
                raise IntrinsicError(f"{here}: {name} takes a list of conditions")
            values = [self.truth(v, f"{here}[{i}]") for i, v in enumerate(arg)]
            if name == "Fn::Not":
                return not values[0]
            return all(values) if name == "Fn::And" else any(values)
        raise IntrinsicError(f"{here}: {name} is not a condition function")

    @staticmethod
    def _scalar(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v) if isinstance(v, (int, float)) else v

    def select(self, arg, where):
        if not (isinstance(arg, list) and len(arg) == 2):
            raise IntrinsicError(f"{where}: Fn::Select takes [index, [values]]")
        index, values = self.text(arg[0], f"{where}[0]"), self.resolve(arg[1], f"{where}[1]")
        if not isinstance(values, list) or not index.isdigit() or int(index) >= len(values):
            raise IntrinsicError(f"{where}: Fn::Select index {index} is not in the list")
        return values[int(index)]

    def split(self, arg, where):
        if not (isinstance(arg, list) and len(arg) == 2):
            raise IntrinsicError(f"{where}: Fn::Split takes [delimiter, string]")
        delimiter = self.text(arg[0], f"{where}[0]")
        if not delimiter:
            raise IntrinsicError(f"{where}: Fn::Split needs a delimiter")
        return self.text(arg[1], f"{where}[1]").split(delimiter)

    def find_in_map(self, arg, where):
        if not (isinstance(arg, list) and len(arg) in (3, 4)):
            raise IntrinsicError(f"{where}: Fn::FindInMap takes [map, top key, second key]")
        names = [self.text(v, f"{where}[{i}]") for i, v in enumerate(arg[:3])]
        mappings = self.template.get("Mappings") if isinstance(self.template.get("Mappings"), dict) else {}
        value = mappings
        for key in names:
            if not isinstance(value, dict) or key not in value:
                if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                    return self.resolve(arg[3]["DefaultValue"], f"{where}[3].DefaultValue")
                raise IntrinsicError(f"{where}: Fn::FindInMap: no {'.'.join(names)} in the template's Mappings")
            value = value[key]
        return self.resolve(value, f"Mappings.{'.'.join(names)}")

    def base64(self, arg, where):
        return base64.b64encode(self.text(arg, where).encode()).decode()

    def get_azs(self, arg, where):
        region = self.text(arg, where) or self.region
        return [f"{region}{z}" for z in "abc"]
