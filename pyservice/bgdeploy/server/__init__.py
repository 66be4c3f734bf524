"""The gRPC face of the engine: create_server(addr) → (server, port); thin servicer; health service."""
