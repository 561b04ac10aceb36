"""A Streamlit session without a browser: Streamlit's own protocol over the server's WebSocket, for load benchmarks.

The browser's part of a session (drawing) happens on each user's own machine; the server's part is this: a rerun
request (BackMsg), then the page's elements (ForwardMsg deltas) until the script has finished. A StreamSession
asks for what a browser would ask for (a page at its address, a département picked in the sidebar's selector) and
times each request from sending it to the run's end, reading every message the server sends meanwhile. It draws
nothing, so twenty of them load the server, not the machine's cores with twenty renderers.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED_EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
FINISHED_WITH_COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_WITH_COMPILE_ERROR")


@dataclass
class RunResult:
    seconds: float
    deltas: int
    exceptions: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


class StreamSession:
    """One user's session on the server at `base` (http://host:port), spoken to through its WebSocket."""

    def __init__(self, base: str) -> None:
        self._base = base
        self._ws = None
        self._page_hash = ""
        self._query = ""
        self.last = RunResult(0.0, 0)  # the last run's result
        # The sidebar's territory selectors as last drawn: id and options, by key (sel_reg, sel_dep).
        self.selectors: dict[str, tuple[str, list[str], str | None]] = {}

    async def __aenter__(self) -> StreamSession:
        host = self._base.split("://", 1)[1]
        self._ws = await websockets.connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"],
                                            origin=self._base, max_size=None, open_timeout=60)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._ws.close()

    async def open(self, page: str, query: str, timeout: float) -> RunResult:
        """The page at its address (`accueil` is the home page) with the query string, as a new visit would."""
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = "" if page == "accueil" else page
        return await self._request(msg, timeout)

    async def pick(self, key: str, label: str, timeout: float, keep: tuple[str, ...] = ("sel_reg",)) -> RunResult:
        """Picks `label` in the sidebar's selectbox `key` (the other selectors in `keep` sent as they are shown), as
        a click in the list does: one rerun of the current page with the widgets' new values."""
        if key not in self.selectors:
            last = self.last
            raise RuntimeError(f"sélecteur {key} absent de la page ({last.deltas} éléments reçus, titres "
                               f"{last.texts[:2]}, adresse « {self._query} »)")
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self._query
        state.page_script_hash = self._page_hash
        for other in keep:
            if other in self.selectors and self.selectors[other][2] is not None:
                widget = state.widget_states.widgets.add()
                widget.id, widget.string_value = self.selectors[other][0], self.selectors[other][2]
        widget = state.widget_states.widgets.add()
        widget.id, widget.string_value = self.selectors[key][0], label
        self.selectors[key] = (*self.selectors[key][:2], label)
        return await self._request(msg, timeout)

    async def _request(self, msg: BackMsg, timeout: float) -> RunResult:
        start = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        result = RunResult(0.0, 0)
        deadline = start + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"pas de fin de script en {timeout:g} s")
            data = await asyncio.wait_for(self._ws.recv(), left)
            fm = ForwardMsg()
            fm.ParseFromString(data)
            kind = fm.WhichOneof("type")
            if kind == "delta":
                result.deltas += 1
                self._read_element(fm, result)
            elif kind == "page_info_changed":
                self._query = fm.page_info_changed.query_string
            elif kind == "navigation":
                self._page_hash = fm.navigation.page_script_hash or self._page_hash
            elif kind == "new_session" and fm.new_session.page_script_hash:
                self._page_hash = fm.new_session.page_script_hash
            elif kind == "script_finished":
                if fm.script_finished == FINISHED_EARLY_FOR_RERUN:
                    continue  # app.py routed the visit: the page's own run follows
                if fm.script_finished == FINISHED_WITH_COMPILE_ERROR:
                    result.exceptions.append("erreur de compilation")
                result.seconds = time.perf_counter() - start
                self.last = result
                return result

    def _read_element(self, fm: ForwardMsg, result: RunResult) -> None:
        element = fm.delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            result.exceptions.append(f"{element.exception.type}: {element.exception.message[:160]}")
        elif kind == "heading":
            result.texts.append(element.heading.body)
        elif kind == "selectbox":
            box = element.selectbox
            key = box.id.rsplit("-", 1)[-1]
            if key.startswith("sel_"):
                # The value is sent when the server sets it (from the address); otherwise it is what was picked.
                known = self.selectors.get(key, (None, None, None))[2]
                current = box.raw_value if box.HasField("raw_value") else known
                self.selectors[key] = (box.id, list(box.options), current)
