/// `tterminal loadtest`: the load-test harness (DESIGN.md §7).
public enum Loadtest {}
