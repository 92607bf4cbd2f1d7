"""Checks the rules modules share (plugins/plugin_utils/checks.py): tags, CIDRs."""
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.checks import cidr_problems, tag_problems


# ------------------------------------------------------------------------------- tags
def test_good_tags_have_no_problem():
    assert tag_problems({"Project": "fozzy", "Environment": "production", "Owner": "a.b+c@inbox.wine", "Empty": ""}) == []
    assert tag_problems({}) == []
    assert tag_problems(None) == []


def test_tag_count_includes_the_tags_the_roles_add():
    assert tag_problems({f"k{i}": "v" for i in range(48)}) == []
    problems = tag_problems({f"k{i}": "v" for i in range(49)})
    assert problems == [
        "fozzy_tags has 49 tags, which is not allowed: AWS allows 50 tags per resource, including Name and Tier"
        " that the roles add, so use at most 48 tags besides those."
    ]


def test_tag_key_and_value_limits():
    problems = tag_problems({"k" * 129: "v", "aws:owner": "me", "AWS:Other": "x", "ok": "v" * 257, "bad!": "x"},
                            "my_tags")
    assert any(p.startswith("my_tags key '" + "k" * 129 + "' (129 characters) is not allowed: use 1 to 128") for p in problems)
    assert "my_tags key 'aws:owner' is not allowed: keys starting with aws: are reserved for AWS." in problems
    assert "my_tags key 'AWS:Other' is not allowed: keys starting with aws: are reserved for AWS." in problems
    assert any(p.startswith("my_tags[ok]=vvvv") and "(257 characters) is not allowed: use at most 256" in p for p in problems)
    assert any(p.startswith("my_tags key 'bad!' is not allowed: use letters, digits") for p in problems)
    assert len(problems) == 5


def test_tag_values_must_be_scalars():
    assert tag_problems({"a": ["x"]}) == ["fozzy_tags[a]=['x'] is not allowed: a tag value is a string (may be empty)."]
    assert tag_problems({"a": 7}) == []
    assert tag_problems("Project=fozzy") == ["fozzy_tags='Project=fozzy' is not allowed: use a mapping of tag keys to values."]


# ------------------------------------------------------------------------------ cidrs
def test_cidrs():
    assert cidr_problems(["0.0.0.0/0", "10.1.0.0/16"], "x") == []
    assert cidr_problems("::/0", "x", 6) == []
    assert cidr_problems([], "x") == []
    [problem] = cidr_problems(["0.0.0.0/0", "10.0.0.300/32"], "load_balancer_ingress_cidrs")
    assert problem.startswith("load_balancer_ingress_cidrs: '10.0.0.300/32' is not allowed: use an IPv4 network in CIDR")
    [problem] = cidr_problems(["10.0.0.1/16"], "x")
    assert "has host bits set" in problem
    [problem] = cidr_problems(["0.0.0.0/0"], "ipv6", 6)
    assert problem.startswith("ipv6: '0.0.0.0/0' is not allowed: use an IPv6 network")
