"""The stand-in's way to leave fields out of a gateway event, as a server that sends only
what Discord documents as required may."""

from sandbox.sparse import without_fields


def test_a_dotted_path_drops_one_nested_field_and_leaves_the_payload_whole():
    payload = {"id": "1", "member": {"nick": None, "roles": ["2"]}, "locale": "zh-CN"}
    assert without_fields(payload, {"member.nick", "locale"}) == {
        "id": "1", "member": {"roles": ["2"]}}
    assert payload == {"id": "1", "member": {"nick": None, "roles": ["2"]}, "locale": "zh-CN"}


def test_a_star_drops_the_field_from_every_item_of_a_list():
    payload = {"channels": [{"id": "1", "topic": None}, {"id": "2"}], "roles": []}
    assert without_fields(payload, {"channels.*.topic", "roles.*.icon"}) == {
        "channels": [{"id": "1"}, {"id": "2"}], "roles": []}


def test_a_path_that_is_not_there_changes_nothing():
    payload = {"member": {"user": {"id": "1"}}, "channel": None}
    assert without_fields(payload, {"guild.locale", "channel.name", "member.user.x.y"}) == payload
