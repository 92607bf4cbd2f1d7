"""The input-check engine: registering rules, reading inputs, the report."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils import inputs as engine


@pytest.fixture
def scope(monkeypatch):
    """A private rule scope, so these tests do not see (or leave) rules of the collection."""
    monkeypatch.setitem(engine._RULES, "test", [])
    return "test"


def test_rules_run_in_order_and_repeated_problems_are_reported_once(scope):
    @engine.rule(scope)
    def first(inputs):
        yield engine.not_allowed("a", inputs["a"], "use 1.")

    @engine.rule(scope)
    def second(inputs):
        return ["b is wrong", engine.not_allowed("a", inputs["a"], "use 1.")]

    assert engine.check([scope], engine.Inputs({"a": 2})) == ["a=2 is not allowed: use 1.", "b is wrong"]


def test_a_rule_reading_a_refused_or_missing_input_is_not_reported(scope):
    @engine.rule(scope)
    def reads_refused(inputs):
        yield f"refused {inputs['a']}"

    @engine.rule(scope)
    def reads_missing(inputs):
        yield f"missing {inputs['nothing']}"

    @engine.rule(scope)
    def reads_fine(inputs):
        yield f"b={inputs['b']}"

    checked = engine.Inputs({"a": 1, "b": 2}, refused={"a"})
    assert "a" not in checked and checked.get("a", "gone") == "gone"
    assert engine.check([scope], checked) == ["b=2"]


def test_rules_of_a_scope_without_a_module_is_empty():
    assert engine.rules_of("no_such_scope") == []


def test_together_names_every_input_with_its_value():
    text = engine.together([("vpc_cidr", "10.0.0.0/26"), ("vpc_subnet_newbits", 4)], "the subnets would be /30.")
    assert text == "vpc_cidr=10.0.0.0/26 with vpc_subnet_newbits=4 is not allowed together: the subnets would be /30."


@pytest.mark.parametrize("value, shown", [
    (True, "true"), (None, ""), (["A", "MX"], '["A", "MX"]'), ({"b": 1, "a": 2}, '{"a": 2, "b": 1}'), (8000, "8000"),
])
def test_show_writes_values_as_a_user_wrote_them(value, shown):
    assert engine.show(value) == shown


@pytest.mark.parametrize("value, number", [("70", 70), (70, 70), (True, None), ("x", None), (None, None)])
def test_as_int(value, number):
    assert engine.as_int(value) == number


def test_report_counts_and_lists_every_problem():
    assert engine.report(["a", "b"]) == ("Preflight found 2 problems in the inputs; nothing was changed in AWS:\n- a\n- b")
    assert engine.report(["a"], "The vpc role").startswith("The vpc role found 1 problem in the inputs;")


def test_preflight_result_takes_the_public_zone_of_the_name():
    hosted = [
        {"Id": "/hostedzone/ZPRIVATE", "Name": "inbox.wine.", "Config": {"PrivateZone": True}},
        {"Id": "/hostedzone/ZPUBLIC", "Name": "inbox.wine.", "Config": {"PrivateZone": False}},
        {"Id": "/hostedzone/ZOTHER", "Name": "inbox.wine.example.", "Config": {"PrivateZone": False}},
    ]
    result = engine.preflight_result({"account": "123456789012"}, {"hosted_zones": hosted, "availability_zones": ["b", "a"]},
                                     engine.Inputs({"fozzy_hosted_zone_name": "inbox.wine"}))
    assert result == {"aws_account_id": "123456789012", "availability_zones": ["a", "b"],
                      "hosted_zone_id": "ZPUBLIC", "hosted_zone_name": "inbox.wine"}


@pytest.mark.parametrize("value, inside", [(5, True), ("300", True), (4, False), (301, False), ("x", False), (True, False)])
def test_within(value, inside):
    assert engine.within(value, 5, 300) is inside
