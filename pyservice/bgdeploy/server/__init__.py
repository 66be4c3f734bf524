"""The gRPC face of the engine: create_server(addr) → (server, port, health); thin servicer; health service."""
