"""The 311 agent console (/agent): sign-in, the handoff queue, account search and view,
unlocking accounts and transferring callers into self-service."""
