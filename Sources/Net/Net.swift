/// Net: the client and server byte streams (plain TCP or TLS) and the blocking-with-deadline
/// WebSocket and HTTP clients the feeder and the simulator are built on.
public enum Net {}
