"""The SQL adapter of conversation.state.ConversationStore, over the `channel_sessions` table:
the typed state's columns map one to one, its other typed parts are kept in `data`
(ConversationState.to_data), so no migration was needed."""

from __future__ import annotations

from conversation.state import ConversationKey, ConversationState, Verified
from domain.adapters.channel_sessions import ChannelSession, SqlChannelSessionStore
from domain.model import Channel


class SqlConversationStore:
    def __init__(self, sessions: SqlChannelSessionStore) -> None:
        self._sessions = sessions

    def load(self, key: ConversationKey) -> ConversationState | None:
        session = self._sessions.load(key.channel.value, key.key)
        return _state(session) if session is not None else None

    def start(self, state: ConversationState) -> ConversationState:
        return _state(self._sessions.start(_session(state)))

    def save(self, state: ConversationState) -> bool:
        session = _session(state)
        if not self._sessions.save(session):
            return False
        state.version = session.version
        return True


def _session(state: ConversationState) -> ChannelSession:
    verification = state.verification
    return ChannelSession(
        id=state.id, channel=state.key.channel.value, session_key=state.key.key,
        language=state.language, step=state.step, created_at=state.created_at,
        updated_at=state.updated_at, turn=state.turn, data=state.to_data(),
        caller=state.caller, account_id=verification.account_id if verification else None,
        verified_at=verification.verified_at if verification else None,
        last_response=state.last_response, ended_at=state.ended_at,
        end_status=state.end_status, version=state.version)


def _state(session: ChannelSession) -> ConversationState:
    verification = (Verified(session.account_id, session.verified_at)
                    if session.account_id is not None and session.verified_at is not None
                    else None)
    state = ConversationState(
        key=ConversationKey(Channel(session.channel), session.session_key),
        created_at=session.created_at, updated_at=session.updated_at,
        language=session.language, step=session.step, turn=session.turn,
        caller=session.caller, verification=verification,
        last_response=session.last_response, ended_at=session.ended_at,
        end_status=session.end_status, version=session.version, id=session.id)
    state.restore_data(session.data)
    return state
