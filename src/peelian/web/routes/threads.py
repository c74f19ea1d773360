"""The thread view: a conversation as a tree of police and citizen turns with delays and labels."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from peelian.store.search import get_thread
from peelian.web.app import render, state_of
from peelian.web.auth import Session, require
from peelian.web.forms import OptionalText
from peelian.web.present import present_rows, read_id, shown_id

router = APIRouter()


@router.get("/thread/{platform}/{conversation_id:path}")
def thread(request: Request, platform: str, conversation_id: str, focus: OptionalText = None,
           session: Session = Depends(require("read"))) -> Response:
    state = state_of(request)
    conversation_id = read_id(conversation_id)
    conv = state.cache.get("thread", (platform, conversation_id),
                           lambda: get_thread(state.project, platform, conversation_id))
    posts = present_rows(conv.posts, session.can("identities"), state.known_handles())
    shown = conv.conversation_id if session.can("identities") else shown_id(conv.conversation_id)
    return render(request, "thread.html", {"thread": conv, "posts": posts, "focus": focus, "conversation": shown})
