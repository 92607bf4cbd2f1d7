# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the ecr role (documented in the .yml file of each filter's name).

The lifecycle policy the role asks for, what went wrong with the repository (in words a user
can act on), and the result the role hands on, all from what community.aws.ecs_ecr returned.
"""

from ansible.errors import AnsibleFilterError

# What community.aws.ecs_ecr says in check mode when it would create the repository and was
# given a lifecycle policy: it cannot read the policy of a repository that does not exist yet.
_CHECK_MODE_CREATE = "could not find repository"


# A release image is kept by the first rule, which "expires" only release images beyond this many.
# It is ECR's default quota of images per repository (100,000 until raised), so in practice a repository
# fills up before a release tag could ever expire.
RELEASE_KEEP = 100000


def ecr_lifecycle_policy(keep_images, release_tag_pattern="*.*.*", untagged_expire_days=7):
    """The lifecycle policy of the repository, or None for ``keep_images`` 0 (no policy: keep everything).

    Three rules, evaluated by ECR lowest priority number first:

    1. images with a tag matching ``release_tag_pattern`` (``*`` wildcards): selected so that no
       later rule can expire them ("an image that matches the tagging requirements of a rule cannot
       be expired by a rule with a lower priority"); this rule itself expires only releases beyond
       RELEASE_KEEP, which the repository cannot hold by default;
    2. untagged images, ``untagged_expire_days`` days after they were pushed;
    3. any other image beyond the newest ``keep_images`` (release images count towards the number
       but are never expired by this rule; ECR wants the ``any`` rule last).
    """
    keep = _whole(keep_images, "ecr_keep_images")
    days = _whole(untagged_expire_days, "ecr_untagged_expire_days")
    if keep <= 0:
        return None
    pattern = str(release_tag_pattern or "")
    if not pattern:
        raise AnsibleFilterError("ecr_lifecycle_policy: ecr_release_tag_pattern is empty")
    return {"rules": [
        {
            "rulePriority": 1,
            "description": f"Keep release images (a tag matching {pattern})",
            "selection": {"tagStatus": "tagged", "tagPatternList": [pattern],
                          "countType": "imageCountMoreThan", "countNumber": RELEASE_KEEP},
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": f"Expire untagged images {days} days after their push",
            "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                          "countNumber": days},
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 3,
            "description": f"Expire other images beyond the newest {keep}",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
            "action": {"type": "expire"},
        },
    ]}


def _whole(value, name):
    if isinstance(value, bool):
        value = None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise AnsibleFilterError(f"ecr_lifecycle_policy: {name}={value!r} is not a whole number")


def ecr_problem(result, name, encryption="AES256", kms_key="", check_mode=False):
    """Why the repository could not be converged, as one sentence, or '' when it was.

    ``result`` is what community.aws.ecs_ecr registered. AWS fixes the encryption of a
    repository when it is created, and the module does not compare AES256 with what AWS
    reports: a repository encrypted otherwise than ``encryption``/``kms_key`` is a problem
    too. In check mode, a repository the module would create is not one.
    """
    result = result if isinstance(result, dict) else {}
    wanted = f"ecr_encryption={encryption}" + (f" with ecr_kms_key={kms_key}" if encryption == "KMS" else "")
    fixed = ("AWS fixes the encryption of a repository when it is created: set ecr_encryption / ecr_kms_key to the current"
             " values, or move the images to a new repository (ecr_repository_name).")
    message = str(result.get("msg") or "unknown error")
    if result.get("failed") and check_mode and result.get("created") and _CHECK_MODE_CREATE in message:
        return ""
    current = (result.get("repository") or {}).get("encryptionConfiguration") or {}
    kind, key = current.get("encryptionType"), current.get("kmsKey") or ""
    if current and (kind != encryption or (encryption == "KMS" and key != kms_key)):
        return f"ECR repository {name} is encrypted with {kind}{' key ' + key if key else ''}, but {wanted}. {fixed}"
    if result.get("failed") and "Cannot modify repository encryption type" in message:
        return f"ECR repository {name} exists with another encryption than {wanted}. {fixed}"
    if result.get("failed"):
        return f"Could not converge ECR repository {name}: {message}"
    return ""


def ecr_result(result, enabled=True, name=""):
    """What the role hands on: ``enabled`` and, for an enabled one, the repository's name, URI,
    ARN and registry ('' for a repository check mode would create)."""
    if not enabled:
        return {"enabled": False}
    repository = (result or {}).get("repository") or {} if isinstance(result, dict) else {}
    return {
        "enabled": True,
        "repository_name": name,
        "repository_uri": repository.get("repositoryUri") or "",
        "repository_arn": repository.get("repositoryArn") or "",
        "registry_id": repository.get("registryId") or "",
    }


class FilterModule:
    def filters(self):
        return {
            "ecr_lifecycle_policy": ecr_lifecycle_policy,
            "ecr_problem": ecr_problem,
            "ecr_result": ecr_result,
        }
