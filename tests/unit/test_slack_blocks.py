"""Slack Block Kit rendering of every message kind, its limits, and presses read back."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from slack_sdk.errors import SlackObjectFormationError

from bot.chat.slack.blocks import render, render_home
from bot.chat.slack.payloads import (
    MalformedPayload,
    block_action_key,
    interaction_from_block_actions,
)
from bot.services.chat_port import Button, ChoiceForm, Interaction, Link, Message, MessageRef
from tests.message_catalogue import every_message

CHANNEL, TS = "D0123ABC", "1764066600.000200"
RESPONSE_URL = "https://hooks.slack.com/actions/T1/111/random-value"
# The press's response_url travels with the reference: replacing the card through it is free.
REF = MessageRef("slack", {"channel": CHANNEL, "ts": TS, "response_url": RESPONSE_URL})


MESSAGES = every_message(long_option=80)


def of_type(blocks: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [b for b in blocks if b["type"] == kind]


def elements(blocks: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for b in of_type(blocks, "actions") for e in b["elements"] if e["type"] == kind]


def section_text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(b["text"]["text"] for b in of_type(blocks, "section"))


def payload(blocks: list[dict[str, Any]], action: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A block_actions payload shaped as Slack sends it (bolt-python's tests, Slack's docs)."""
    pressed = {k: v for k, v in action.items() if k in ("action_id", "text", "value", "type")}
    pressed |= {"block_id": "b1", "action_ts": "1764066612.345678"}
    if action["type"] == "checkboxes":
        pressed = pressed | {"selected_options": []}
    body: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": "U0PERSON", "username": "a.teacher", "name": "a.teacher", "team_id": "T1"},
        "api_app_id": "A111",
        "token": "verification_token",
        "container": {
            "type": "message",
            "message_ts": TS,
            "channel_id": CHANNEL,
            "is_ephemeral": False,
        },
        "trigger_id": "111.222.valid",
        "team": {"id": "T1", "domain": "oakhill"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": CHANNEL, "name": "directmessage"},
        "message": {"type": "message", "user": "UBOT", "ts": TS, "text": "x", "blocks": blocks},
        "response_url": RESPONSE_URL,
        "actions": [pressed],
    }
    return body | extra


def ticks_state(selected: list[str]) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": "x"}, "value": v} for v in selected]
    return {
        "values": {
            "Xy1z": {"quiz.answer#ticks0": {"type": "checkboxes", "selected_options": options}}
        }
    }


@pytest.mark.parametrize("name", MESSAGES)
def test_every_kind_renders_within_slacks_limits(name: str) -> None:
    message = MESSAGES[name]
    text, blocks = render(message)
    assert 0 < len(blocks) <= 50
    title = message.title if len(message.title) <= 150 else message.title[:149] + "…"
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": title, "emoji": True},
    }
    assert message.title[:20] in text
    assert (blocks[-1]["type"] == "context") == bool(message.footer)
    ids = [e["action_id"] for b in of_type(blocks, "actions") for e in b["elements"]]
    assert len(ids) == len(set(ids))
    assert len(elements(blocks, "button")) == len(message.buttons) + bool(message.form) + bool(
        message.link
    )


def test_briefing_has_bullets_and_a_primary_got_it_button() -> None:
    text, blocks = render(MESSAGES["briefing"])
    assert "• Reviews start on 1 December\n• Send your views" in section_text(blocks)
    [button] = elements(blocks, "button")
    assert button["text"]["text"] == "Got it"
    assert button["style"] == "primary"
    assert (button["action_id"], button["value"]) == ("briefing.ack#0", "7")
    assert text == "EHCP annual reviews this term – Reviews start on 1 December"


@pytest.mark.parametrize("name", ["acknowledged", "withdrawn", "feedback", "closed"])
def test_outcome_cards_have_no_buttons(name: str) -> None:
    _, blocks = render(MESSAGES[name])
    assert of_type(blocks, "actions") == []


def test_question_buttons_carry_letters_when_options_are_long() -> None:
    _, short = render(MESSAGES["question"])
    _, long = render(MESSAGES["question_long_options"])
    assert [b["text"]["text"] for b in elements(short, "button")][0] == "A. Graduated approach"
    assert [b["text"]["text"] for b in elements(long, "button")] == ["A", "B", "C"]
    assert "C. Option C which is explained" in section_text(long)
    assert render(MESSAGES["reminder"])[1][1]["text"]["text"].startswith("Reminder:")


def test_multi_select_is_tick_boxes_and_a_submit() -> None:
    _, blocks = render(MESSAGES["multi"])
    [boxes] = elements(blocks, "checkboxes")
    assert boxes["action_id"] == "quiz.answer#ticks0"
    assert [(o["value"], o["text"]["text"]) for o in boxes["options"]] == [
        ("0", "A. Graduated approach"),
        ("1", "B. Exclusion"),
        ("2", "C. Assess, plan, do, review"),
    ]
    [submit] = elements(blocks, "button")
    assert (submit["action_id"], submit["value"], submit["style"]) == (
        "quiz.answer#submit",
        "42",
        "primary",
    )


def test_long_tick_box_options_are_shortened_and_shown_in_full_above() -> None:
    _, blocks = render(MESSAGES["multi_80"])
    texts = [o["text"]["text"] for o in elements(blocks, "checkboxes")[0]["options"]]
    assert all(len(t) == 75 and t.endswith("…") for t in texts)
    assert "A. " + "x" * 80 in section_text(blocks)


def test_a_long_title_is_shortened_in_the_header_and_shown_whole_below() -> None:
    _, blocks = render(MESSAGES["feedback"])
    assert len(blocks[0]["text"]["text"]) == 150
    assert blocks[1]["text"]["text"] == "✗ Not quite: " + "p" * 300


def test_a_5000_character_line_is_split_into_sections() -> None:
    line = " ".join(["word"] * 1000)[:5000]
    _, blocks = render(Message("x", "T", lines=(line,)))
    parts = [b["text"]["text"] for b in of_type(blocks, "section")]
    assert len(parts) == 2 and all(len(p) <= 3000 for p in parts)
    assert " ".join(parts) == line


def test_text_is_escaped_and_never_cut_inside_an_escape() -> None:
    _, blocks = render(Message("x", "<b> & co", lines=("<!channel> & <@U1>",), footer="a>b"))
    assert blocks[0]["text"]["text"] == "<b> & co"  # plain text: shown as typed
    assert blocks[1]["text"]["text"] == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert blocks[-1]["elements"][0]["text"] == "a&gt;b"
    _, blocks = render(Message("x", "T", lines=("&" * 2000,)))
    parts = [b["text"]["text"] for b in of_type(blocks, "section")]
    assert all(len(p) <= 3000 and p == "&amp;" * (len(p) // 5) for p in parts)
    assert sum(len(p) for p in parts) == 5 * 2000
    assert parts[0] == "&amp;" * 600  # the first section is filled, not cut short


def test_sixty_long_bullets_fit_in_fifty_blocks_and_keep_the_buttons() -> None:
    message = Message(
        "briefing",
        "T",
        bullets=tuple("b" * 2000 for _ in range(60)),
        buttons=(Button("briefing.ack", "7", "Got it"),),
        footer="f",
    )
    _, blocks = render(message)
    assert len(blocks) == 50
    assert "more parts that did not fit" in blocks[-3]["text"]["text"]
    assert blocks[-2]["elements"][0]["action_id"] == "briefing.ack#0"


def test_many_buttons_go_in_actions_blocks_of_25_and_labels_are_shortened() -> None:
    buttons = tuple(Button("pick", str(n), "L" * 100) for n in range(30))
    _, blocks = render(Message("x", "T", buttons=buttons))
    assert [len(b["elements"]) for b in of_type(blocks, "actions")] == [25, 5]
    assert elements(blocks, "button")[29]["action_id"] == "pick#29"
    assert all(len(e["text"]["text"]) == 75 for e in elements(blocks, "button"))


def test_an_overlong_button_value_is_a_bug_caught_by_slack_sdk() -> None:
    with pytest.raises(SlackObjectFormationError):
        render(Message("x", "T", buttons=(Button("a", "v" * 2001, "Go"),)))


@pytest.mark.parametrize("name", [n for n, m in MESSAGES.items() if m.buttons])
def test_every_button_press_reads_back_as_the_interaction_sendbot_expects(name: str) -> None:
    message = MESSAGES[name]
    _, blocks = render(message)
    # A link button (it has a url) is not one of sendbot's presses.
    pressable = [e for e in elements(blocks, "button") if "url" not in e]
    for button, element in zip(message.buttons, pressable, strict=True):
        got = interaction_from_block_actions(payload(blocks, element))
        assert got == Interaction("slack", "U0PERSON", button.action_id, button.value, REF)


@pytest.mark.parametrize(
    ("selected", "value"), [(["2", "0"], "42:0,2"), ([], "42:"), (["1", "1"], "42:1")]
)
def test_submit_reads_the_ticks_from_state_values(selected: list[str], value: str) -> None:
    _, blocks = render(MESSAGES["multi"])
    [submit] = elements(blocks, "button")
    got = interaction_from_block_actions(payload(blocks, submit, state=ticks_state(selected)))
    assert got == Interaction("slack", "U0PERSON", "quiz.answer", value, REF)


def test_ticking_a_box_or_opening_a_link_is_not_an_answer() -> None:
    _, blocks = render(MESSAGES["multi"])
    assert (
        interaction_from_block_actions(payload(blocks, elements(blocks, "checkboxes")[0])) is None
    )
    _, blocks = render(MESSAGES["link"])
    [link] = elements(blocks, "button")
    assert link["url"] == "https://sendbot.example/pupils/9?a=1&b=2"
    assert interaction_from_block_actions(payload(blocks, link)) is None


def test_the_message_is_found_from_channel_and_message_without_a_container() -> None:
    _, blocks = render(MESSAGES["briefing"])
    body = payload(blocks, elements(blocks, "button")[0])
    del body["container"]
    assert interaction_from_block_actions(body).message_ref == REF  # type: ignore[union-attr]
    del body["message"]
    assert interaction_from_block_actions(body).message_ref is None  # type: ignore[union-attr]


def _break(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(body)
    *parents, last = path.split(".")
    target = broken
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    target[last] = value
    return broken


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("type", "view_submission"),
        ("user", None),
        ("user.id", 5),
        ("actions", []),
        ("actions", "press"),
        ("actions.0.action_id", "quiz.answer"),
        ("actions.0.action_id", "#0"),
        ("actions.0.action_id", "quiz.answer#²"),
        ("actions.0.action_id", "quiz.answer#later"),
        ("actions.0.type", "static_select"),
        ("actions.0.value", None),
        ("state", {"values": "nope"}),
        ("state", {"values": {"b": {"quiz.answer#ticks0": {"type": "radio_buttons"}}}}),
        ("state", ticks_state(["0", "A"])),
        ("state", ticks_state(["-1"])),
    ],
)
def test_malformed_payloads_raise_a_value_error(path: str, value: Any) -> None:
    _, blocks = render(MESSAGES["multi"])
    body = payload(blocks, elements(blocks, "button")[0], state=ticks_state(["1"]))
    assert interaction_from_block_actions(body) is not None
    with pytest.raises(MalformedPayload) as raised:
        interaction_from_block_actions(_break(body, path, value))
    assert isinstance(raised.value, ValueError)


def test_retries_and_double_presses_share_a_key_other_presses_do_not() -> None:
    _, blocks = render(MESSAGES["multi"])
    body = payload(blocks, elements(blocks, "button")[0], state=ticks_state(["0", "2"]))
    key = block_action_key(body)
    assert key.startswith("slack:")
    assert block_action_key(copy.deepcopy(body)) == key
    assert block_action_key(_break(body, "actions.0.action_ts", "1764066699.1")) == key
    assert block_action_key(_break(body, "user.id", "U0OTHER")) != key
    assert block_action_key(_break(body, "container.message_ts", "1.2")) != key
    assert block_action_key(body | {"state": ticks_state(["2", "0"])}) == key
    assert block_action_key(body | {"state": ticks_state(["1"])}) != key
    tick = payload(blocks, elements(blocks, "checkboxes")[0])
    assert block_action_key(tick) != block_action_key(_break(tick, "actions.0.action_ts", "9.9"))


def test_home_view_stays_within_100_blocks_and_keeps_the_link() -> None:
    sections = [(f"Team {n}", [f"Person {n}.{k} & co: 80%" for k in range(3)]) for n in range(80)]
    view = render_home(sections, Link("https://sendbot.example/team", "Open the team page"))
    assert view["type"] == "home"
    assert len(view["blocks"]) == 100
    assert view["blocks"][1]["text"]["text"].startswith("Person 0.0 &amp; co")
    assert "did not fit" in view["blocks"][-2]["text"]["text"]
    assert view["blocks"][-1]["elements"][0]["url"] == "https://sendbot.example/team"
    assert render_home([], None)["blocks"][0]["type"] == "section"


def test_a_form_and_buttons_keep_distinct_action_ids() -> None:
    form = ChoiceForm("quiz.answer", "42", tuple(f"{n}" for n in range(12)))
    _, blocks = render(Message("x", "T", buttons=(Button("quiz.answer", "42:0", "A"),), form=form))
    ids = [e["action_id"] for e in elements(blocks, "button") + elements(blocks, "checkboxes")]
    assert ids == [
        "quiz.answer#0",
        "quiz.answer#submit",
        "quiz.answer#ticks0",
        "quiz.answer#ticks1",
    ]
