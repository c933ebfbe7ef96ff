"""Device protocols as pure functions: bytes or text in, a typed message or a ParseError out. No I/O."""
