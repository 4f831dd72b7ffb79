import Testing
@testable import SimulatorServer
