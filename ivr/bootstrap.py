"""The composition root: builds the real adapters from Settings, once per process.

Entry points (the Flask app, the CLI, the action server) call `build_container()` and hand
its parts to the domain services; nothing connects to a database at import time. The
`Container` holds only ports, so tests can build one from fakes (tests/fake_container.py) and
run a channel's logic without a database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from conversation.state import ConversationStore
from domain.adapters.agent_store import SqlAgentStore
from domain.adapters.channel_sessions import SqlChannelSessionStore
from domain.adapters.clock import SystemClock
from domain.adapters.database import create_engine_for, make_session_factory
from domain.adapters.email_notifier import SmtpEmailNotifier
from domain.adapters.finance_ledger import sql_finance_ledger
from domain.adapters.handoff_log import SqlHandoffLog
from domain.adapters.link_store import SqlLinkStore
from domain.adapters.orm import start_mappers
from domain.adapters.outbox import OutboxNotifier
from domain.adapters.routing_notifier import RoutingNotifier
from domain.adapters.sms_consent import SqlSmsConsent
from domain.adapters.sms_consent_guard import ConsentCheckingSmsNotifier
from domain.adapters.sms_inbox import SqlSmsInbox
from domain.adapters.stripe_gateway import StripeGateway
from domain.adapters.twilio_calls import TwilioCallControl
from domain.adapters.twilio_sms import TwilioSmsNotifier
from domain.adapters.unit_of_work import SqlAlchemyUnitOfWork
from domain.config import (
    CALL_CONTROL_TWILIO,
    PROCESSOR_STRIPE,
    SMS_TWILIO,
    NotificationSettings,
    Settings,
)
from domain.ports import (
    AgentStore,
    BankAccountVault,
    CallControl,
    Clock,
    HandoffLog,
    LinkStore,
    Notifier,
    PaymentGateway,
    SmsConsent,
    UnitOfWork,
)
from domain.services.account_lookup import AccountLookupService
from domain.services.accounts import AccountService
from domain.services.ach import AchService
from domain.services.agent_auth import AgentAuthService
from domain.services.autopay import AutopayService
from domain.services.balance import BalanceService
from domain.services.daily_report import DailyReportService
from domain.services.disputes import DisputeService
from domain.services.handoffs import HandoffService
from domain.services.identity import IdentityService
from domain.services.links import LinkService
from domain.services.paperless import PaperlessService
from domain.services.pay_links import PayLinkService
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import PaymentService
from domain.services.reconciliation import DayReconciler
from domain.services.refunds import RefundService
from domain.services.reminders import ReminderService
from domain.services.transfers import TransferService
from ivr.conversations import SqlConversationStore
from ivr.sandbox_wiring import sandbox_call_control, sandbox_processor


@dataclass
class Stores:
    """What the services and channels keep outside the unit of work, each behind its port."""

    handoffs: HandoffLog
    links: LinkStore
    conversations: ConversationStore
    channel_sessions: SqlChannelSessionStore  # the phone line's call state
    sms_consent: SmsConsent
    sms_inbox: SqlSmsInbox
    agents: AgentStore
    call_control: CallControl


@dataclass
class Container:
    settings: Settings
    uow: Callable[[], UnitOfWork]  # a new unit of work per call
    clock: Clock
    gateway: PaymentGateway
    # The ACH vault: where bank accounts are tokenized and revealed for the NACHA file. With
    # PAYLINE_PROCESSOR=sandbox the sandbox processor is gateway and vault at once; with
    # stripe the gateway charges cards at Stripe and hands bank accounts to this vault
    # (today the sandbox processor too: Stripe never sees a bank account).
    vault: BankAccountVault
    notifier: Notifier
    stores: Stores
    database: Engine | None = None  # None in a container of fakes

    @property
    def engine(self) -> Engine:
        """The database itself, for health checks and operator commands."""
        if self.database is None:
            raise RuntimeError("this container has no database (it was built from fakes)")
        return self.database

    def dispose(self) -> None:
        if self.database is not None:
            self.database.dispose()

    # --- the domain services, built from these adapters and the settings -----------------
    def payment_service(self) -> PaymentService:
        return PaymentService(self.uow, self.clock, self.gateway, self.payment_notices(),
                              self.settings.payments, city_name=self.settings.city_name)

    def payment_notices(self) -> PaymentNotices:
        """The handler of payment events: receipts and notices to the holder."""
        return PaymentNotices(self.notifier, self.settings.city_name)

    def identity_service(self) -> IdentityService:
        return IdentityService(self.uow, self.clock, self.settings.verification)

    def balance_service(self) -> BalanceService:
        return BalanceService(self.uow, self.clock)

    def paperless_service(self) -> PaperlessService:
        return PaperlessService(self.uow, self.clock, self.notifier,
                                city_name=self.settings.city_name)

    def account_lookup_service(self) -> AccountLookupService:
        return AccountLookupService(self.uow, self.clock,
                                    history_months=self.settings.payments.history_months)

    def account_service(self) -> AccountService:
        return AccountService(self.uow, self.clock)

    def handoff_service(self) -> HandoffService:
        return HandoffService(self.stores.handoffs, self.clock, self.uow)

    def agent_auth_service(self) -> AgentAuthService:
        return AgentAuthService(self.stores.agents, self.uow, self.clock,
                                self.settings.agents,
                                issuer=f"{self.settings.city_name.removeprefix('the ')} 311")

    def link_service(self) -> LinkService:
        return LinkService(self.stores.links, self.clock)

    def call_control(self) -> CallControl:
        return self.stores.call_control

    def transfer_service(self, entry_url: Callable[[str], str]) -> TransferService:
        """`entry_url(ticket)`: the IVR's absolute entry URL (the public URL is a channel
        setting, so the ivr layer passes it in)."""
        return TransferService(self.link_service(), self.call_control(), self.uow, self.clock,
                               self.handoff_service(), entry_url)

    def pay_link_service(self) -> PayLinkService:
        return PayLinkService(self.link_service(), self.payment_service(), self.clock,
                              gateway=self.gateway, uow=self.uow, link_store=self.stores.links)

    def channel_sessions(self) -> SqlChannelSessionStore:
        return self.stores.channel_sessions

    def conversations(self) -> ConversationStore:
        """Typed conversation states (SMS threads; the bot's verification on SMS)."""
        return self.stores.conversations

    def sms_consent(self) -> SmsConsent:
        return self.stores.sms_consent

    def sms_inbox(self) -> SqlSmsInbox:
        return self.stores.sms_inbox

    def day_reconciler(self) -> DayReconciler:
        """The finance office's day: processor charges, refunds and disputes vs the ledger."""
        return DayReconciler(self.uow, sql_finance_ledger, self.gateway, self.clock)

    def daily_report_service(self) -> DailyReportService:
        return DailyReportService(self.uow, sql_finance_ledger, self.clock)

    def ach_service(self) -> AchService:
        return AchService(self.uow, self.clock, self.payment_service(), vault=self.vault,
                          settings=self.settings.ach)

    def reminder_service(self) -> ReminderService:
        return ReminderService(self.uow, self.clock, self.notifier,
                               days_before=self.settings.notifications.reminder_days_before,
                               city_name=self.settings.city_name)

    def refund_service(self) -> RefundService:
        """Supervisors' refunds of card payments (and refunds the processor reports)."""
        return RefundService(self.uow, self.clock, self.gateway, self.payment_notices(),
                             self.stores.agents)

    def dispute_service(self) -> DisputeService:
        """Chargebacks as the processor reports them."""
        return DisputeService(self.uow, self.clock, self.payment_notices())

    def autopay_service(self) -> AutopayService:
        return AutopayService(self.uow, self.clock, self.notifier, self.payment_service(),
                              city_name=self.settings.city_name)


def build_container(settings: Settings | None = None, *, clock: Clock | None = None) -> Container:
    settings = settings or Settings.from_env()
    start_mappers()
    engine = create_engine_for(settings.database_url)
    session_factory = make_session_factory(engine)
    clock = clock or SystemClock(settings.timezone)
    processor = sandbox_processor(engine, settings)
    gateway: PaymentGateway = processor
    if settings.processor == PROCESSOR_STRIPE:
        gateway = StripeGateway(settings.stripe, bank=processor, clock=clock)
    sessions = SqlChannelSessionStore(engine)
    return Container(
        settings=settings,
        database=engine,
        uow=lambda: SqlAlchemyUnitOfWork(session_factory),
        clock=clock,
        gateway=gateway,
        vault=processor,
        notifier=_build_notifier(settings.notifications, engine, clock),
        stores=Stores(handoffs=SqlHandoffLog(engine), links=SqlLinkStore(engine),
                      conversations=SqlConversationStore(sessions), channel_sessions=sessions,
                      sms_consent=SqlSmsConsent(engine), sms_inbox=SqlSmsInbox(engine),
                      agents=SqlAgentStore(engine),
                      call_control=_build_call_control(settings, engine, clock)),
    )


def _build_call_control(settings: Settings, engine: Engine, clock: Clock) -> CallControl:
    """How an agent's transfer reaches a live call: Twilio's Calls API, or the sandbox
    stand-in the phone simulator plays (PAYLINE_CALL_CONTROL)."""
    if settings.call_control == CALL_CONTROL_TWILIO:
        twilio = settings.notifications  # Settings checked the credentials
        return TwilioCallControl(twilio.twilio_account_sid or "", twilio.twilio_auth_token or "",
                                 twilio.twilio_api_url)
    return sandbox_call_control(engine, clock)


def _build_notifier(settings: NotificationSettings, engine: Engine, clock: Clock) -> Notifier:
    """Email over SMTP when a host is configured, else to the outbox. SMS to the outbox or
    through Twilio, behind the consent guard either way: nothing is queued or sent to a number
    that opted out."""
    outbox = OutboxNotifier(engine)
    email: Notifier = outbox
    if settings.smtp_host:
        email = SmtpEmailNotifier(settings.smtp_host, settings.smtp_port, settings.smtp_sender,
                                  username=settings.smtp_username,
                                  password=settings.smtp_password,
                                  starttls=settings.smtp_starttls)
    consent = SqlSmsConsent(engine)
    sms_transport: Notifier = outbox
    if settings.sms_transport == SMS_TWILIO:
        # NotificationSettings has checked that the credentials and a sender are there.
        sms_transport = TwilioSmsNotifier(settings.twilio_account_sid or "",
                                          settings.twilio_auth_token or "", consent, clock,
                                          from_number=settings.sms_from,
                                          messaging_service_sid=settings.sms_messaging_service_sid,
                                          api_url=settings.twilio_api_url)
    return RoutingNotifier(sms=ConsentCheckingSmsNotifier(sms_transport, consent), email=email)
