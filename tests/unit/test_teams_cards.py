"""Adaptive Card rendering of every message kind, its limits, and presses read back from Teams."""

from __future__ import annotations

import copy
import json
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator
from microsoft_agents.activity import AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue

from bot.chat.teams.activities import (
    MalformedActivity,
    activity_key,
    command_from_activity,
    interaction_from_activity,
)
from bot.chat.teams.brief_cards import (
    Typed,
    audience_key,
    form_card,
    posted_card,
    preview_card,
    read_draft,
    read_typed,
)
from bot.chat.teams.cards import (
    escape,
    render,
    render_invoke_response,
    welcome_card,
)
from bot.chat.teams.summary_cards import summary_card
from bot.domain.briefing import BULLET_MAX, TITLE_MAX
from bot.services.chat_briefings import FormChoices, Posted, WrittenBriefing
from bot.services.chat_port import Button, ChoiceForm, Interaction, Link, Message, MessageRef
from bot.services.summary_lines import Line
from tests.message_catalogue import every_message

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "adaptive-card-1.5.schema.json").read_text()
)
VALIDATOR = Draft6Validator(SCHEMA)
# Teams takes bot messages up to about 100 KB; sendbot aims well under.
MAX_CARD_BYTES = 28_000
AAD = "6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CONVERSATION = "a:1Xt5Vw2yZfGhJkLmNoPqRsTuVwXyZ0123456789abcdefg"
SERVICE_URL = "https://smba.trafficmanager.net/uk/"
CARD_ID = "1764066600123"
REF = MessageRef(
    "teams",
    {"conversation_id": CONVERSATION, "activity_id": CARD_ID, "service_url": SERVICE_URL},
)


MESSAGES = every_message(long_option=200)


def of_type(card: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in card["body"] if e["type"] == kind]


def actions(card: dict[str, Any], kind: str = "Action.Execute") -> list[dict[str, Any]]:
    return [a for s in of_type(card, "ActionSet") for a in s["actions"] if a["type"] == kind]


def texts(card: dict[str, Any]) -> list[str]:
    return [e["text"] for e in of_type(card, "TextBlock")]


def size(card: dict[str, Any]) -> int:
    return len(json.dumps(card).encode())


def envelope() -> dict[str, Any]:
    """What every activity from a person's 1:1 chat with the bot carries (Microsoft's examples
    in "Card actions" and "Universal Actions for Adaptive Cards", with a personal conversation)."""
    return {
        "timestamp": "2026-11-25T10:30:12.345Z",
        "localTimestamp": "2026-11-25T10:30:12.345+00:00",
        "id": "f:6894910862892785420",
        "channelId": "msteams",
        "serviceUrl": SERVICE_URL,
        "from": {"id": "29:1Eniglq0-uVL83xNB9GU6w_G5a4SZF0gcJLprZ", "name": "A Teacher"}
        | {"aadObjectId": AAD},
        "conversation": {"conversationType": "personal", "tenantId": TENANT, "id": CONVERSATION},
        "recipient": {"id": "28:8d88f59b-ae61-4300-bec0-caace7d28446", "name": "sendbot"},
        "entities": [
            {"locale": "en-GB", "country": "GB", "platform": "Web", "type": "clientInfo"}
            | {"timezone": "Europe/London"}
        ],
        "channelData": {"tenant": {"id": TENANT}, "source": {"name": "message"}},
        "locale": "en-GB",
        "replyToId": CARD_ID,
    }


def inputs(ticks: str | None) -> dict[str, Any]:
    # A client sends the card's inputs with every press; an untouched ChoiceSet may be left out.
    return {} if ticks is None else {"ticks": ticks}


def invoke(action: dict[str, Any], ticks: str | None = None) -> dict[str, Any]:
    """An Action.Execute press as Teams delivers it: an adaptiveCard/action invoke."""
    assert action["type"] == "Action.Execute"
    pressed = {"type": "Action.Execute", "id": "", "verb": action["verb"]}
    value = {"action": pressed | {"data": action["data"] | inputs(ticks)}, "trigger": "manual"}
    AdaptiveCardInvokeValue.model_validate(value)  # the shape the Agents SDK reads
    return envelope() | {"type": "invoke", "name": "adaptiveCard/action", "value": value}


def submit(action: dict[str, Any], ticks: str | None = None) -> dict[str, Any]:
    """An Action.Submit press as Teams delivers it: a message with no text and a value."""
    assert action["type"] == "Action.Submit"
    return envelope() | {"type": "message", "value": action["data"] | inputs(ticks)}


def typed(text: Any) -> dict[str, Any]:
    return envelope() | {"type": "message", "text": text, "textFormat": "plain"}


@pytest.mark.parametrize("name", MESSAGES)
def test_every_kind_renders_a_valid_card_within_the_size_aimed_for(name: str) -> None:
    message = MESSAGES[name]
    card = render(message)
    assert list(VALIDATOR.iter_errors(card)) == []
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.5")
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    heading = card["body"][0]
    assert (heading["size"], heading["weight"], heading["wrap"]) == ("large", "bolder", True)
    title = message.title if len(message.title) <= 150 else message.title[:149] + "…"
    assert heading["text"] == escape(title)
    last = card["body"][-1]
    assert (last.get("isSubtle") is True) == bool(message.footer)
    assert len(actions(card)) == len(message.buttons) + bool(message.form)
    assert len(actions(card, "Action.OpenUrl")) == bool(message.link)
    assert size(card) < MAX_CARD_BYTES
    assert message.title[:20] in card["fallbackText"]


def test_briefing_has_a_bullet_list_and_a_positive_got_it_button() -> None:
    card = render(MESSAGES["briefing"])
    assert "- Reviews start on 1 December\n- Send your views to the SENDCO by Friday" in texts(card)
    [button] = actions(card)
    assert button == {
        "type": "Action.Execute",
        "title": "Got it",
        "verb": "briefing.ack",
        "data": {"action_id": "briefing.ack", "value": "7"},
        "style": "positive",
        "fallback": {
            "type": "Action.Submit",
            "title": "Got it",
            "data": {"action_id": "briefing.ack", "value": "7"},
        },
    }
    assert card["body"][-1]["size"] == "small"
    assert card["body"][-1]["text"].startswith("SEND briefing from your SENDCO.")


@pytest.mark.parametrize("name", ["acknowledged", "withdrawn", "feedback", "closed"])
def test_outcome_cards_have_no_actions(name: str) -> None:
    assert of_type(render(MESSAGES[name]), "ActionSet") == []


def test_question_buttons_carry_letters_when_options_are_long() -> None:
    short, long = render(MESSAGES["question"]), render(MESSAGES["question_long_options"])
    assert actions(short)[0]["title"] == "A. Graduated approach"
    assert [a["title"] for a in actions(long)] == ["A", "B", "C"]
    assert [a["data"]["value"] for a in actions(long)] == ["42:0", "42:1", "42:2"]
    assert "C. Option C which is explained at some length here" in texts(long)
    assert texts(render(MESSAGES["reminder"]))[1].startswith("Reminder:")


def test_multi_select_is_expanded_tick_boxes_and_a_submit_carrying_the_prefix() -> None:
    card = render(MESSAGES["multi"])
    [ticks] = of_type(card, "Input.ChoiceSet")
    assert (ticks["id"], ticks["isMultiSelect"], ticks["style"]) == ("ticks", True, "expanded")
    assert ticks["choices"] == [
        {"title": "A. Graduated approach", "value": "0"},
        {"title": "B. Exclusion", "value": "1"},
        {"title": "C. Assess, plan, do, review", "value": "2"},
    ]
    [send] = actions(card)
    assert (send["title"], send["verb"], send["style"]) == ("Submit", "quiz.answer", "positive")
    assert send["data"] == {"action_id": "quiz.answer", "value": "42", "form": "ticks"}
    assert card["body"].index(ticks) + 1 == card["body"].index(of_type(card, "ActionSet")[0])


def test_long_tick_box_options_are_shortened_and_shown_in_full_above() -> None:
    card = render(MESSAGES["multi_200"])
    titles = [c["title"] for c in of_type(card, "Input.ChoiceSet")[0]["choices"]]
    assert all(len(t) == 150 and t.endswith("…") for t in titles)
    assert "A. " + "x" * 200 in texts(card)


def test_a_long_title_is_shortened_in_the_heading_and_shown_whole_below() -> None:
    card = render(MESSAGES["feedback"])
    assert len(card["body"][0]["text"]) == 150
    assert card["body"][1]["text"] == "✗ Not quite: " + "p" * 300


def test_a_5000_character_line_is_split_into_text_blocks_at_word_breaks() -> None:
    line = " ".join(["word"] * 1000)[:5000]
    parts = texts(render(Message("x", "T", lines=(line,))))[1:]
    assert len(parts) == 3 and all(len(p) <= 2000 for p in parts)
    assert " ".join(parts) == line


def test_text_is_escaped_so_it_shows_as_typed() -> None:
    raw = "**Bold** _it_ [x](https://evil.example) <at>Ann</at> `c` ~s~ a\\b"
    assert escape(raw) == (
        "\\*\\*Bold\\*\\* \\_it\\_ \\[x\\](https://evil.example) \\<at\\>Ann\\</at\\> "
        "\\`c\\` \\~s\\~ a\\\\b"
    )
    assert escape("- not a list\n1. not numbered\n  2) nor this\n# no heading\n+ plus") == (
        "\\- not a list\n1\\. not numbered\n  2\\) nor this\n\\# no heading\n\\+ plus"
    )
    assert "{{" not in escape("Due {{DATE(2026-11-25T10:30:00Z, SHORT)}} or {{{{")
    card = render(
        Message(
            "x",
            "*Title*",
            lines=("a_b\nnext",),
            buttons=(Button("a", "1", "*Go*"),),
            form=ChoiceForm("q", "42", ("_tick_",)),
            footer="[f](u)",
        )
    )
    assert texts(card)[:2] == ["\\*Title\\*", "a\\_b\n\nnext"]  # a blank line breaks the line
    assert actions(card)[0]["title"] == "*Go*"  # button and choice titles are plain text
    assert of_type(card, "Input.ChoiceSet")[0]["choices"][0]["title"] == "_tick_"
    assert card["body"][-1]["text"] == "\\[f\\](u)"


def test_sixty_long_bullets_and_lines_fit_and_keep_the_title_buttons_and_footer() -> None:
    message = Message(
        "briefing",
        "T",
        bullets=tuple("b😀" * 1000 for _ in range(60)),
        lines=tuple("l " * 3000 for _ in range(20)),
        buttons=(Button("briefing.ack", "7", "Got it"),),
        footer="f",
    )
    card = render(message)
    assert list(VALIDATOR.iter_errors(card)) == []
    assert size(card) <= MAX_CARD_BYTES
    assert len(json.dumps(card, ensure_ascii=False).encode()) <= MAX_CARD_BYTES
    assert card["body"][0]["text"] == "T"
    assert card["body"][1]["text"].startswith("- b😀")
    assert "more parts that did not fit in one Teams message" in card["body"][-3]["text"]
    assert card["body"][-2]["actions"][0]["verb"] == "briefing.ack"
    assert card["body"][-1]["text"] == "f"
    bullet = card["body"][1]["text"].split("\n")[0]
    assert len(bullet) == 2 + 1000 and bullet.endswith("…")


def test_a_card_that_fits_leaves_nothing_out() -> None:
    card = render(Message("x", "T", lines=tuple(f"line {n}" for n in range(100))))
    assert texts(card)[-1] == "line 99"
    assert not any("did not fit" in t for t in texts(card))


def test_many_buttons_go_in_action_sets_of_five_and_labels_are_shortened() -> None:
    buttons = tuple(Button("pick", str(n), "L" * 100) for n in range(12))
    card = render(Message("x", "T", buttons=buttons))
    assert [len(s["actions"]) for s in of_type(card, "ActionSet")] == [5, 5, 2]
    assert actions(card)[11]["data"] == {"action_id": "pick", "value": "11"}
    assert all(len(a["title"]) == 75 for a in actions(card))


def test_a_link_is_an_open_url_action_or_text_when_it_cannot_be_one() -> None:
    [link] = actions(render(MESSAGES["link"]), "Action.OpenUrl")
    assert link == {
        "type": "Action.OpenUrl",
        "title": "Read the profile",
        "url": "https://sendbot.example/pupils/9?a=1&b=2",
    }
    card = render(Message("x", "T", link=Link("https://e.example/" + "a" * 3000, "Open")))
    assert actions(card, "Action.OpenUrl") == []
    assert texts(card)[1].startswith("Open: https://e.example/aaa")


@pytest.mark.parametrize(
    "button", [Button("a", "v" * 2001, "Go"), Button("a" * 256, "v", "Go"), Button("", "v", "Go")]
)
def test_an_overlong_identifier_is_a_bug_and_raises(button: Button) -> None:
    with pytest.raises(ValueError):
        render(Message("x", "T", buttons=(button,)))


def test_the_schema_refuses_what_teams_would_not_render() -> None:
    card = render(MESSAGES["multi"])
    broken = copy.deepcopy(card)
    broken["body"][0].pop("text")
    assert list(VALIDATOR.iter_errors(broken))
    broken = copy.deepcopy(card)
    of_type(broken, "Input.ChoiceSet")[0].pop("id")
    assert list(VALIDATOR.iter_errors(broken))
    assert list(VALIDATOR.iter_errors(card | {"body": card["body"] + [{"type": "Carousel"}]}))
    assert list(VALIDATOR.iter_errors(card | {"version": 1.5}))


def test_the_invoke_response_replaces_the_card() -> None:
    card = render(MESSAGES["acknowledged"])
    response = render_invoke_response(card)
    assert response == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.card.adaptive",
        "value": card,
    }
    parsed = AdaptiveCardInvokeResponse.model_validate(response)
    assert (parsed.status_code, parsed.value) == (200, card)


@pytest.mark.parametrize("name", [n for n, m in MESSAGES.items() if m.buttons])
def test_every_press_reads_back_as_the_interaction_sendbot_expects(name: str) -> None:
    message = MESSAGES[name]
    pressed = actions(render(message))
    for button, action in zip(message.buttons, pressed, strict=True):
        expected = Interaction("teams", AAD, button.action_id, button.value, REF)
        assert interaction_from_activity(invoke(action)) == expected
        assert interaction_from_activity(submit(action["fallback"])) == expected


@pytest.mark.parametrize(
    ("ticks", "value"),
    [("0,2", "42:0,2"), ("2,0", "42:0,2"), (" 0, 2", "42:0,2"), ("1,1", "42:1"), ("", "42:")]
    + [(None, "42:"), ("10,2,9", "42:2,9,10")],
)
def test_the_tick_box_submit_gives_the_prefix_and_the_ticks(ticks: str | None, value: str) -> None:
    [send] = actions(render(MESSAGES["multi"]))
    expected = Interaction("teams", AAD, "quiz.answer", value, REF)
    assert interaction_from_activity(invoke(send, ticks)) == expected
    assert interaction_from_activity(submit(send["fallback"], ticks)) == expected


def test_a_button_press_ignores_the_cards_other_inputs() -> None:
    card = render(Message("x", "T", buttons=(Button("quiz.answer", "42:0", "A"),)))
    got = interaction_from_activity(invoke(actions(card)[0], ticks="1"))
    assert got is not None and got.value == "42:0"


@pytest.mark.parametrize(
    "activity",
    [
        typed("help"),
        envelope() | {"type": "conversationUpdate", "membersAdded": [{"id": "28:bot"}]},
        envelope() | {"type": "invoke", "name": "task/fetch", "value": {}},
        envelope() | {"type": "message"},
    ],
)
def test_what_is_not_a_press_gives_none(activity: dict[str, Any]) -> None:
    assert interaction_from_activity(activity) is None


def test_the_card_is_found_only_when_teams_says_where_it_is() -> None:
    [button] = actions(render(MESSAGES["briefing"]))
    activity = invoke(button)
    del activity["replyToId"]
    assert interaction_from_activity(activity).message_ref is None  # type: ignore[union-attr]
    activity = invoke(button) | {"serviceUrl": "ftp://smba.example/"}
    assert interaction_from_activity(activity).message_ref is None  # type: ignore[union-attr]


def _break(activity: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(activity)
    *parents, last = path.split(".")
    target = broken
    for key in parents:
        target = target[key]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return broken


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("value", None),
        ("value.action", "press"),
        ("value.action.type", "Action.Submit"),
        ("value.action.verb", "briefing.ack"),
        ("value.action.data", "quiz.answer"),
        ("value.action.data.action_id", 5),
        ("value.action.data.value", _DELETE),
        ("value.action.data.form", "other"),
        ("value.action.data.ticks", "0,A"),
        ("value.action.data.ticks", "-1"),
        ("value.action.data.ticks", "0,,2"),
        ("value.action.data.ticks", "²"),
        ("value.action.data.ticks", ["0", "2"]),
        ("from.aadObjectId", _DELETE),
        ("from.aadObjectId", ""),
        ("from", None),
    ],
)
def test_malformed_invokes_raise_a_value_error(path: str, value: Any) -> None:
    [send] = actions(render(MESSAGES["multi"]))
    activity = invoke(send, ticks="0,2")
    assert interaction_from_activity(activity) is not None
    with pytest.raises(MalformedActivity) as raised:
        interaction_from_activity(_break(activity, path, value))
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("path", "value"),
    [("value", "42"), ("value", ["42"]), ("value.action_id", _DELETE), ("value.value", 42)]
    + [("value.ticks", 2), ("from.aadObjectId", None)],
)
def test_malformed_submits_raise_a_value_error(path: str, value: Any) -> None:
    [send] = actions(render(MESSAGES["multi"]))
    activity = submit(send["fallback"], ticks="0")
    assert interaction_from_activity(activity) is not None
    with pytest.raises(MalformedActivity):
        interaction_from_activity(_break(activity, path, value))


@pytest.mark.parametrize("reader", [interaction_from_activity, command_from_activity, activity_key])
def test_something_that_is_not_an_activity_raises(reader: Any) -> None:
    with pytest.raises(MalformedActivity):
        reader(["not", "an", "activity"])


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("help", "help"),
        ("  Me please\n", "me"),
        ("TEAM", "team"),
        ("brief!", "brief"),
        ("<at>sendbot</at> team", "team"),
        ("", None),
        ("  ", None),
        ("?", None),
        (None, None),
    ],
)
def test_a_typed_message_gives_its_first_word(text: Any, command: str | None) -> None:
    assert command_from_activity(typed(text)) == command


def test_presses_and_other_activities_are_not_commands() -> None:
    [button] = actions(render(MESSAGES["briefing"]))
    assert command_from_activity(submit(button["fallback"]) | {"text": "help"}) is None
    assert command_from_activity(invoke(button) | {"text": "help"}) is None
    assert command_from_activity(envelope() | {"type": "conversationUpdate"}) is None


def test_a_redelivered_activity_has_the_same_key_and_others_do_not() -> None:
    [button] = actions(render(MESSAGES["briefing"]))
    activity = invoke(button)
    key = activity_key(activity)
    assert key.startswith("teams:")
    assert activity_key(copy.deepcopy(activity)) == key
    assert activity_key(activity | {"timestamp": "2026-11-25T10:30:20.000Z"}) == key
    assert activity_key(activity | {"id": "f:other"}) != key
    assert activity_key(_break(activity, "conversation.id", "a:other")) != key
    with pytest.raises(MalformedActivity):
        activity_key(_break(activity, "id", _DELETE))
    with pytest.raises(MalformedActivity):
        activity_key(_break(activity, "conversation", None))


def test_the_welcome_card_says_what_when_and_how_data_is_used() -> None:
    privacy = Link("https://sendbot.example/privacy", "How sendbot uses your data")
    card = welcome_card("Oak Hill Academy", time(8, 0), time(16, 30), privacy)
    assert list(VALIDATOR.iter_errors(card)) == []
    words = " ".join(texts(card))
    for needle in ("Oak Hill Academy", "between 08:00 and 16:30", "briefings", "quiz"):
        assert needle in words
    for needle in ("school days", "line manager", "SENDCO", "your data"):
        assert needle in words.replace("Your data", "your data")
    [facts] = of_type(card, "FactSet")
    assert [f["title"] for f in facts["facts"]] == ["help", "me", "team", "brief"]
    assert card["body"][card["body"].index(facts) - 1]["text"].startswith("Type one of these")
    assert actions(card, "Action.OpenUrl")[0]["url"] == "https://sendbot.example/privacy"
    assert actions(card) == []
    plain = welcome_card("Oak Hill Academy", time(8, 0), time(16, 30))
    assert list(VALIDATOR.iter_errors(plain)) == []
    assert of_type(plain, "FactSet") == [facts]


# --- the SENDCO's briefing cards and the progress summaries -------------------------------------

CHOICES = FormChoices(
    ("all", "teachers", *(f"department: Design, Technology and Art {n}" for n in range(120)))
)


def test_the_briefing_form_at_its_biggest_is_valid_and_shows_errors_under_their_fields() -> None:
    typed = Typed("T" * 5_000, "b" * 50_000, CHOICES.audiences, "now")
    errors = {k: f"What is wrong with the {k}." for k in ("title", "bullets", "audience", "when")}
    card = form_card(CHOICES, typed, errors)
    assert list(VALIDATOR.iter_errors(card)) == []
    assert size(card) < MAX_CARD_BYTES
    body = card["body"]
    for key in errors:
        [at] = [i for i, e in enumerate(body) if e.get("id") == key]
        assert body[at + 1]["color"] == "attention"
        assert body[at + 1]["text"] == f"What is wrong with the {key}."
    [audience] = [e for e in body if e.get("id") == "audience"]
    assert len(audience["choices"]) == 100  # Teams shows a long list badly; the web has the rest
    assert all("," not in c["value"] for c in audience["choices"])


def test_the_audience_comes_back_from_its_digests_and_choices_not_offered_are_left_out() -> None:
    picked = ",".join(audience_key(a) for a in CHOICES.audiences[1:3])
    data = {"title": "T", "bullets": "B", "audience": picked + ",forged", "when": "next"}
    typed = read_typed(data, CHOICES)
    assert typed is not None and typed.audience == CHOICES.audiences[1:3]
    assert read_typed({"title": "T"}, CHOICES) == Typed("T", "", (), "")
    assert read_typed({"audience": ["a list"]}, CHOICES) is None


def test_the_preview_of_the_longest_briefing_fits_and_carries_it_in_send_and_edit() -> None:
    for letter in ("x", "ش", "😀"):
        written = WrittenBriefing(
            letter * TITLE_MAX,
            tuple(letter * BULLET_MAX for _ in range(5)),
            ("teachers", "department: Science"),
            send_now=False,
            warnings=("Bullet 2 uses “SEMH”; spell it out once.",),
        )
        card = preview_card(written)
        assert card is not None
        assert list(VALIDATOR.iter_errors(card)) == []
        assert len(json.dumps(card, ensure_ascii=False).encode()) < MAX_CARD_BYTES
        verbs = {a["title"]: a for a in actions(card)}
        assert set(verbs) == {"Send", "Edit"}
        for pressed in verbs.values():
            back = read_draft(pressed["data"])
            assert back == Typed(
                written.title, "\n".join(written.bullets), written.audience, "next"
            )


def test_what_was_posted_says_how_many_and_when_and_links_to_who_has_read_it() -> None:
    written = WrittenBriefing("Checking understanding", ("Ask, then wait.",), ("all",), True)
    for posted, words in (
        (
            Posted("Checking understanding", "s", 1, True),
            "Planned for 1 person (all), sending now.",
        ),
        (Posted("Checking understanding", "s", 0, True), "nobody will get it"),
        (Posted("Checking understanding", "s", 0, True, repeated=True), "not sent again"),
    ):
        card = posted_card(posted, written, "https://sendbot.example")
        assert list(VALIDATOR.iter_errors(card)) == []
        assert any(words in t for t in texts(card))
        [link] = actions(card, "Action.OpenUrl")
        assert link["url"] == "https://sendbot.example/sendco/briefings"
    assert actions(posted_card(posted, written, ""), "Action.OpenUrl") == []


def test_a_summary_card_shows_bold_parts_and_lists_and_escapes_names() -> None:
    lines = [
        Line(bold="Autumn 2"),
        Line(": 2 people", bold="Autumn 2"),
        Line(bold="Furthest behind"),
        Line("*Bob* <at>sendbot</at>: answered 1 of 4", item=True),
        Line("[Dot](https://evil.example): answered 0 of 2", item=True),
        Line("…and 3 more on the team page."),
    ]
    card = summary_card("Your team", lines, Link("https://sendbot.example/team", "Team page"))
    assert list(VALIDATOR.iter_errors(card)) == []
    assert texts(card) == [
        "Your team",
        "**Autumn 2**",
        "**Autumn 2**: 2 people",
        "**Furthest behind**",
        "- \\*Bob\\* \\<at\\>sendbot\\</at\\>: answered 1 of 4\n"
        "- \\[Dot\\](https://evil.example): answered 0 of 2",
        "…and 3 more on the team page.",
    ]
    assert actions(card, "Action.OpenUrl")[0]["url"] == "https://sendbot.example/team"
