/// SimulatorServer: `tterminal simulate`, a Binance-compatible exchange on loopback.
public enum SimulatorServerModule {}
