// Placeholder: scripts/bench-video.sh's measuring half is being written.
@main
struct VideoBench {
    static func main() {
        print("video-bench: not written yet")
    }
}
