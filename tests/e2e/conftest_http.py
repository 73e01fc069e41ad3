"""Peers for the HTTP/HTTP_PROXY and AWS integration end-to-end tests: the echo backend
(scripts/echo_backend.py), a moto server that checks SigV4 signatures, and moto's Cognito
(CognitoIdp) for the Cognito user pool authorizers.

moto authenticates requests once `INITIAL_NO_AUTH_ACTION_COUNT` unauthenticated actions have
run: the fixture spends exactly those on creating an IAM user with an allow-all policy and its
access key, so every later request (the gateway's included) must be signed with that key, and a
wrong signature gets 403 SignatureDoesNotMatch."""

import os
import subprocess
import sys
import time

import requests

from conftest import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
REGION = "us-east-1"
ACCOUNT = "123456789012"
# Unauthenticated setup actions: iam CreateUser, PutUserPolicy, CreateAccessKey.
SETUP_ACTIONS = 3
# The password of CognitoIdp's users.
PASSWORD = "Passw0rd!long"


class EchoBackend:
    """scripts/echo_backend.py on a free port."""

    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "..", "..", "scripts", "echo_backend.py"),
                                      "--port", str(self.port)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if "ready" not in line:
            raise RuntimeError(f"echo backend did not start: {line!r}")
        self.url = f"http://127.0.0.1:{self.port}"
        self.authority = f"127.0.0.1:{self.port}"
        self.origin = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _moto_command():
    exe = os.path.join(os.path.dirname(sys.executable), "moto_server")
    return [exe] if os.path.exists(exe) else [sys.executable, "-m", "moto.server"]


def _start_moto(env=None):
    """moto's server on a free loopback port, once it answers: (port, url, process)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(_moto_command() + ["-H", "127.0.0.1", "-p", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while True:
        try:
            requests.get(url + "/moto-api/", timeout=1)
            return port, url, proc
        except requests.RequestException:
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("moto_server did not start")
            time.sleep(0.1)


class MotoServer:
    """moto_server with signature checking on; `access_key`/`secret_key` are the allowed identity."""

    def __init__(self):
        import boto3

        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT=str(SETUP_ACTIONS), MOTO_ACCOUNT_ID=ACCOUNT)
        self.port, self.url, self.proc = _start_moto(env)
        self.authority = f"127.0.0.1:{self.port}"
        iam = boto3.client("iam", endpoint_url=self.url, region_name=REGION,
                           aws_access_key_id="setup", aws_secret_access_key="setup")
        iam.create_user(UserName="gateway")
        iam.put_user_policy(UserName="gateway", PolicyName="all", PolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'))
        key = iam.create_access_key(UserName="gateway")["AccessKey"]
        self.access_key = key["AccessKeyId"]
        self.secret_key = key["SecretAccessKey"]

    def client(self, service, secret=None):
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id=self.access_key,
                            aws_secret_access_key=secret or self.secret_key)

    def envoy_env(self, secret=None):
        """Envoy's environment: the gateway signs with these credentials."""
        env = dict(os.environ, AWS_ACCESS_KEY_ID=self.access_key,
                   AWS_SECRET_ACCESS_KEY=secret or self.secret_key, AWS_REGION=REGION)
        env.pop("AWS_SESSION_TOKEN", None)
        return env

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def aws_targets(authority, services, cluster="moto", http=None, lambda_authority=None):
    """The plugin configuration's `targets` with every AWS service in `services` on one cluster."""
    t = {"http": dict(http or {}), "aws": {s: {"cluster": cluster, "authority": authority} for s in services}}
    if lambda_authority:
        t["lambda"] = {"cluster": "lambda", "authority": lambda_authority}
    return t


def headers_of(echo_doc):
    """The echo's header list as {lower-case name: [values]}."""
    out = {}
    for k, v in echo_doc["headers"]:
        out.setdefault(k.lower(), []).append(v)
    return out


# Headers Envoy itself adds to an upstream request (not API Gateway's doing).
ENVOY_ADDED = ("x-envoy-", "x-request-id", "x-forwarded-proto")


def gateway_headers(echo_doc):
    """The echo's header names, lower-case, in order, without those Envoy adds itself."""
    return [k.lower() for k, _ in echo_doc["headers"]
            if not k.lower().startswith(ENVOY_ADDED)]


class CognitoIdp:
    """moto's server (no signature checks: InitiateAuth and the key set are unsigned on AWS too)
    with a user pool, an app client and a user; `other` is a second pool with its own user."""

    def __init__(self):
        import boto3

        self.port, self.url, self.proc = _start_moto()
        self.idp = boto3.client("cognito-idp", endpoint_url=self.url, region_name=REGION,
                                aws_access_key_id="test", aws_secret_access_key="test")
        self.pool, self.client = self.make_pool("main", "alice", groups=["admins"])
        self.other_pool, self.other_client = self.make_pool("other", "bob", sign_up=True)

    def make_pool(self, name, user, groups=(), sign_up=False):
        """A pool, its app client and `user`: made by an admin, or signed up by the user and
        confirmed by an admin (`sign_up`)."""
        idp = self.idp
        pool = idp.create_user_pool(PoolName=name, Schema=[
            {"Name": "role", "AttributeDataType": "String", "Mutable": True}])["UserPool"]
        client = idp.create_user_pool_client(
            UserPoolId=pool["Id"], ClientName=f"{name}-app", ReadAttributes=["email", "email_verified", "custom:role"],
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"])["UserPoolClient"]
        attributes = [{"Name": "email", "Value": f"{user}@example.com"}, {"Name": "custom:role", "Value": "admin"}]
        if sign_up:
            idp.sign_up(ClientId=client["ClientId"], Username=user, Password=PASSWORD, UserAttributes=attributes)
            idp.admin_confirm_sign_up(UserPoolId=pool["Id"], Username=user)
        else:
            idp.admin_create_user(UserPoolId=pool["Id"], Username=user, MessageAction="SUPPRESS",
                                  UserAttributes=attributes + [{"Name": "email_verified", "Value": "true"}])
            idp.admin_set_user_password(UserPoolId=pool["Id"], Username=user, Password=PASSWORD, Permanent=True)
        for g in groups:
            idp.create_group(UserPoolId=pool["Id"], GroupName=g)
            idp.admin_add_user_to_group(UserPoolId=pool["Id"], Username=user, GroupName=g)
        return pool, client

    def login(self, user="alice", pool=None, client=None):
        """(ID token, access token) from a USER_PASSWORD_AUTH login."""
        client = client or self.client
        out = self.idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD})["AuthenticationResult"]
        return out["IdToken"], out["AccessToken"]

    def admin_login(self):
        out = self.idp.admin_initiate_auth(UserPoolId=self.pool["Id"], ClientId=self.client["ClientId"],
                                           AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                           AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
        return out["AuthenticationResult"]["IdToken"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
