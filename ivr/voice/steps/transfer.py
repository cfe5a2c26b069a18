"""Where a 311 agent's transfer lands (VoiceEngine.transferred): the caller is verified by the
agent, so the payment choices come first. 0 goes back to 311 (the engine's global key), and
the handoff then names the agent who sent the caller here."""

from __future__ import annotations

from conversation.tasks import Task
from ivr.voice.flow import Ask, End, Heard, Outcome, Step, Turn, ask, goto, register, retry
from ivr.voice.speech import Line

# Keys, what each is for (recorded for a handoff), and where it leads.
TRANSFER_CHOICES = {
    "1": (Task.PAY_NOW, "pay_amount"),
    "2": (Task.SCHEDULE, "schedule_amount"),
    "3": (Task.BALANCE, "balance"),
}
INTENT_KEYS = {"pay_bill": "1", "schedule_payment": "2", "check_balance": "3"}


@register
class TransferMenu(Step):
    name = "transfer_menu"
    back = None  # nothing before it on this call: * repeats

    def ask(self, turn: Turn) -> Ask:
        return ask(Line.of("transfer_menu"), timeout=7)

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        if heard.intent == "goodbye":
            return End((Line.of("goodbye", city=turn.city),))
        key = heard.digits or INTENT_KEYS.get(heard.intent or "", "")
        if key not in TRANSFER_CHOICES:
            return retry(Line.of("not_understood"))
        task, target = TRANSFER_CHOICES[key]
        turn.call.task = task
        return goto(target)
