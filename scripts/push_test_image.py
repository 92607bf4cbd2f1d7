#!/usr/bin/env python3
"""Put a test image into the ECR of the local AWS emulator, as `docker push` would.

    push_test_image.py --endpoint-url http://127.0.0.1:5000 --region eu-central-1 \\
        --repository fozzy-api --tag 1.0.0 [--tag 1.0.1 ...] [--no-create-repository]

What it does, and why:
- The emulator has no registry behind ECR, so no `docker push` can reach it. ECR's own
  `PutImage` API takes an image manifest, which is all ECS and our roles ever look at
  (DescribeImages, BatchGetImage). The script puts a minimal Docker image manifest
  (schema 2) for each tag, which makes `<registry>/<repository>:<tag>` exist.
- The manifest is derived from the repository and tag only, so pushing the same tag again
  puts the same manifest: ECR answers ImageAlreadyExistsException, which is success here
  (idempotent; also fine in a repository with IMMUTABLE tags).
- The repository is created when missing (IMMUTABLE tags, scan on push, AES256: the
  defaults of the `ecr` role, which then finds it and adds its lifecycle policy), so a demo
  can push before the first deploy, like a CI pipeline that pushed the release image.
  `--no-create-repository` refuses instead, to push only into a repository a deploy made.
- It talks only to an endpoint on 127.0.0.0/8 (the emulator) and always with the dummy
  credentials the emulator accepts; real credentials in the environment are never used.

Prints one JSON line: repository, registry_id, repository_uri and, per tag, image_uri,
digest and pushed (false when the tag was already there). Exit code 0 on success, 2 on a
refused endpoint or bad arguments, 1 on an AWS error.
"""
import argparse
import hashlib
import ipaddress
import json
import os
import sys
import urllib.parse

MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json"
LAYER_MEDIA_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def local_endpoint(url):
    """The URL when its host is an IPv4 address in 127.0.0.0/8, else SystemExit(2)."""
    parsed = urllib.parse.urlsplit(url)
    try:
        address = ipaddress.ip_address(parsed.hostname or "")
    except ValueError:
        address = None
    if parsed.scheme not in ("http", "https") or address is None or address not in ipaddress.ip_network("127.0.0.0/8"):
        print(
            f"refusing endpoint {url!r}: only the local emulator (http://127.x.x.x:<port>) is allowed",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return url


def manifest_for(repository, tag):
    """A Docker v2 schema 2 manifest that depends on nothing but repository and tag."""
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"User": "1000:1000", "ExposedPorts": {"8000/tcp": {}}, "Labels": {"fozzy.test-image": tag}},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(f"{repository}:{tag}:layer".encode()).hexdigest()]},
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    layer = f"fozzy test layer {repository}:{tag}".encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {"mediaType": CONFIG_MEDIA_TYPE, "size": len(config), "digest": "sha256:" + hashlib.sha256(config).hexdigest()},
        "layers": [{"mediaType": LAYER_MEDIA_TYPE, "size": len(layer), "digest": "sha256:" + hashlib.sha256(layer).hexdigest()}],
    }
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"))


def ensure_repository(ecr, name, create):
    try:
        return ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    except ecr.exceptions.RepositoryNotFoundException:
        if not create:
            print(f"repository {name!r} does not exist (and --no-create-repository was given)", file=sys.stderr)
            raise SystemExit(1)
    return ecr.create_repository(
        repositoryName=name,
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
        encryptionConfiguration={"encryptionType": "AES256"},
    )["repository"]


def push(ecr, repository, tag):
    """(digest, pushed) for repository:tag; pushed is False when it was already there."""
    manifest = manifest_for(repository["repositoryName"], tag)
    try:
        image = ecr.put_image(
            repositoryName=repository["repositoryName"],
            imageManifest=manifest,
            imageManifestMediaType=MANIFEST_MEDIA_TYPE,
            imageTag=tag,
        )["image"]
        return image["imageId"]["imageDigest"], True
    except ecr.exceptions.ImageAlreadyExistsException:
        found = ecr.describe_images(repositoryName=repository["repositoryName"], imageIds=[{"imageTag": tag}])
        return found["imageDetails"][0]["imageDigest"], False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", required=True, help="the emulator, e.g. http://127.0.0.1:5000")
    parser.add_argument("--region", default="eu-central-1")
    parser.add_argument("--repository", required=True, help="ECR repository name, e.g. fozzy-api")
    parser.add_argument("--tag", required=True, action="append", help="image tag to push; repeat for several")
    parser.add_argument("--no-create-repository", dest="create", action="store_false",
                        help="fail when the repository does not exist instead of creating it")
    args = parser.parse_args(argv)
    endpoint = local_endpoint(args.endpoint_url)
    # A proxy from the environment would carry the requests off this machine.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(name, None)

    import boto3
    import botocore.exceptions

    ecr = boto3.client(
        "ecr",
        endpoint_url=endpoint,
        region_name=args.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token=None,
    )
    try:
        repository = ensure_repository(ecr, args.repository, args.create)
        images = []
        for tag in args.tag:
            digest, pushed = push(ecr, repository, tag)
            images.append({"tag": tag, "image_uri": f"{repository['repositoryUri']}:{tag}", "digest": digest, "pushed": pushed})
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        print(f"failed to push {args.repository}:{','.join(args.tag)} to {endpoint}: {e}", file=sys.stderr)
        return 1
    print(json.dumps({
        "repository": repository["repositoryName"],
        "registry_id": repository["registryId"],
        "repository_uri": repository["repositoryUri"],
        "images": images,
        "changed": any(image["pushed"] for image in images),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
