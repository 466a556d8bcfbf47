/// Stops the run with `message` when `condition` is false; libFuzzer reports it as a crash (a deadly signal) and
/// writes the input as the reproducer. Not `precondition`: an optimised build drops its message.
func check(
    _ condition: Bool, _ message: @autoclosure () -> String = "invariant broken", file: StaticString = #fileID,
    line: UInt = #line
) {
    if !condition {
        fatalError(message(), file: file, line: line)
    }
}
