import Testing
@testable import Loadtest
