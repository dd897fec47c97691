"""Runs one `aws s3api …` / `aws kms …` / `aws iam …` command line against an endpoint, as the AWS CLI would.

The project installs no AWS CLI; botocore (in .venv, with moto) carries the same service models the
CLI is generated from. Operation and option names are matched the CLI's way (botocore's
xform_name: PutBucketCors <-> put-bucket-cors, CORSConfiguration <-> --cors-configuration), and a
structure or list argument is read as JSON, which the CLI accepts for every parameter; botocore
validates the parameters against the model before sending. Shorthand syntax (Status=Enabled) is not
supported: the product's remediation commands use JSON only.

Usage: aws_cli.py ENDPOINT 'aws s3api put-bucket-versioning --bucket b --versioning-configuration {...} --region r'
Prints the response as JSON; exits 1 with the error on stderr.
"""
import json
import shlex
import sys

import botocore.session
from botocore import xform_name
from botocore.config import Config

SERVICES = {"s3api": "s3", "kms": "kms", "iam": "iam"}


def parse(command: str) -> tuple[str, str, dict[str, str]]:
    words = shlex.split(command)
    if len(words) < 3 or words[0] != "aws" or words[1] not in SERVICES:
        raise SystemExit(f"not an aws s3api/kms/iam command: {command}")
    options: dict[str, str] = {}
    rest = words[3:]
    while rest:
        name = rest.pop(0)
        if not name.startswith("--") or not rest:
            raise SystemExit(f"expected --option value, got {name!r}")
        options[name[2:]] = rest.pop(0)
    return SERVICES[words[1]], words[2], options


def main() -> None:
    endpoint, command = sys.argv[1], sys.argv[2]
    service, operation_cli, options = parse(command)
    region = options.pop("region", "us-east-1")
    client = botocore.session.get_session().create_client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    model = client.meta.service_model
    operation = next((o for o in model.operation_names if xform_name(o, "-") == operation_cli), None)
    if operation is None:
        raise SystemExit(f"aws {service}: unknown operation {operation_cli}")
    shape = model.operation_model(operation).input_shape
    params = {}
    for name, value in options.items():
        member = next((m for m in shape.members if xform_name(m, "-") == name), None)
        if member is None:
            raise SystemExit(f"aws {service} {operation_cli}: unknown option --{name}")
        kind = shape.members[member].type_name
        params[member] = json.loads(value) if kind in ("structure", "list", "map") else value == "true" if kind == "boolean" else int(value) if kind in ("integer", "long") else value
    try:
        out = getattr(client, xform_name(operation))(**params)
    except Exception as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
    out.pop("ResponseMetadata", None)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
