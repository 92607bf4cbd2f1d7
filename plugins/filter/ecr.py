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


def ecr_lifecycle_policy(keep_images):
    """The lifecycle policy that keeps the newest ``keep_images`` images, or None for 0 (no policy)."""
    try:
        keep = int(keep_images)
    except (TypeError, ValueError):
        raise AnsibleFilterError(f"ecr_lifecycle_policy: ecr_keep_images={keep_images!r} is not a whole number")
    if keep <= 0:
        return None
    return {"rules": [{
        "rulePriority": 1,
        "description": f"Keep the newest {keep} images",
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
        "action": {"type": "expire"},
    }]}


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
