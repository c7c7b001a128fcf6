/// `jido-stress`: concurrency and crash-injection scenarios over the session store.
public enum StressCommand {
    public static func main(_ arguments: [String]) -> Int32 {
        print("jido-stress: not implemented yet")
        return 2
    }
}
