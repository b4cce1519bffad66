"""A TCP proxy a test can cut: between the app and its database, to make an outage without
touching the shared database server."""
import socket
import threading


class TcpProxy:
    """Forwards connections made to 127.0.0.1:`port` to `upstream` (host, port). `cut()` closes
    every connection and refuses new ones (accepted, then closed at once) until `restore()`."""

    def __init__(self, upstream):
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open = set()
        # The port of each connection to the upstream server -> the port its client connected
        # from: who holds a database connection the server reports.
        self._clients = {}
        self._down = False
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def cut(self):
        with self._lock:
            self._down = True
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            _shutdown(sock)

    def restore(self):
        with self._lock:
            self._down = False

    def client_port(self, upstream_port):
        """The port a client connected from, for the proxy's connection to the upstream server
        from `upstream_port` (the `client_port` PostgreSQL reports)."""
        with self._lock:
            return self._clients.get(upstream_port)

    def close(self):
        self._stopped.set()
        self._thread.join(5)
        self._listener.close()
        self.cut()

    def _accept_loop(self):
        while not self._stopped.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            self._connect(client)

    def _connect(self, client):
        client.settimeout(None)
        server = None
        try:
            if not self._down:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
                ports = server.getsockname()[1], client.getpeername()[1]
        except OSError:
            server = _close(server)
        with self._lock:
            if server is None or self._down:
                _close(client)
                _close(server)
                return
            self._open |= {client, server}
            self._clients[ports[0]] = ports[1]
        for source, target in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source, target):
        """Copy one direction; at its end (or a cut) shut both down and close the source,
        which no other thread reads."""
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            _shutdown(target)
            _shutdown(source)
            with self._lock:
                self._open.discard(source)
            source.close()


def _shutdown(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _close(sock):
    if sock is not None:
        _shutdown(sock)
        sock.close()
