import Testing
@testable import Loadtest

/// The open-loop timetable: due times from the rate alone, late starts when no connection waits.
@Suite("REST schedule")
struct RESTScheduleTests {
    @Test("request n is due at start + n / rate")
    func dueTimes() {
        let schedule = RESTSchedule(startNanos: 5_000, rate: 1_000, endNanos: 1_000_000_000)
        #expect(schedule.dueNanos(0) == 5_000)
        #expect(schedule.dueNanos(1) == 1_005_000)
        #expect(schedule.dueNanos(250) == 250_005_000)
        #expect(schedule.dueCount(at: 4_999) == 0)
        #expect(schedule.dueCount(at: 5_000) == 1)
        #expect(schedule.dueCount(at: 1_004_999) == 1)
        #expect(schedule.dueCount(at: 1_005_000) == 2)
    }

    @Test("nothing is due at or after the end, and the count matches the rate")
    func endOfTimetable() {
        let schedule = RESTSchedule(startNanos: 0, rate: 3_000, endNanos: 2_000_000_000)
        #expect(schedule.dueCount(at: 10_000_000_000) == 6_000)
        let late = RESTSchedule(startNanos: 0, rate: 7, endNanos: 1_000_000_000)
        #expect(late.dueCount(at: 999_999_999) == 7)
    }

    @Test("a request taken in the turn it fell due is on time; one left waiting is a late start")
    func lateStarts() {
        var schedule = RESTSchedule(startNanos: 0, rate: 1_000, endNanos: 1_000_000_000)
        schedule.advance(to: 2_500_000)
        #expect(schedule.waiting == 3)
        let first = schedule.take()
        #expect(first?.index == 0 && first?.late == false && first?.dueNanos == 0)
        // Only one connection was free: requests 1 and 2 wait into the next turn.
        schedule.advance(to: 3_200_000)
        #expect(schedule.waiting == 3)
        #expect(schedule.take()?.late == true)
        #expect(schedule.take()?.late == true)
        let fresh = schedule.take()
        #expect(fresh?.index == 3 && fresh?.late == false && fresh?.dueNanos == 3_000_000)
        #expect(schedule.take() == nil)
        #expect(schedule.lateStarts == 2)
        #expect(schedule.nextDueNanos == 4_000_000)
    }

    @Test("a stall does not thin out the timetable: everything due meanwhile queues")
    func stallQueuesEverything() {
        var schedule = RESTSchedule(startNanos: 0, rate: 10_000, endNanos: 10_000_000_000)
        schedule.advance(to: 0)
        _ = schedule.take()
        schedule.advance(to: 50_000_000) // 50 ms without a free connection
        #expect(schedule.waiting == 500)
        schedule.advance(to: 50_000_000)
        var late = 0
        while let job = schedule.take() { if job.late { late += 1 } }
        #expect(late == 500)
    }
}
