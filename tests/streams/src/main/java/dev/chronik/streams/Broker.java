package dev.chronik.streams;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The real chronik binary on a free loopback port with a temporary data dir. */
final class Broker implements AutoCloseable {
  final String bootstrap;
  final Path dir;
  final Path log;
  private final String binary;
  private final int port;
  private Process process;

  Broker(String binary) throws IOException, InterruptedException {
    this.binary = binary;
    dir = Files.createTempDirectory("chronik-streams-");
    String external = System.getenv("CHRONIK_BOOTSTRAP");
    if (external != null && !external.isEmpty()) {
      // tests/compat/run started the broker (or points at another one): use it as it is.
      log = dir.resolve("chronik.log");
      bootstrap = external;
      process = null;
      port = 0;
      return;
    }
    log = dir.resolve("chronik.log");
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    bootstrap = "127.0.0.1:" + port;
    start();
  }

  /** kill -9, then the broker again on the same port and data. */
  void kill9AndRestart() throws IOException, InterruptedException {
    kill9AndRestart(Duration.ZERO);
  }

  /** The same, the broker staying dead for the outage first (clients time out, not just reconnect). */
  void kill9AndRestart(Duration outage) throws IOException, InterruptedException {
    if (process == null) throw new IOException("an external broker cannot be killed here");
    process.destroyForcibly().waitFor();  // SIGKILL
    Thread.sleep(outage.toMillis());
    start();
  }

  private void start() throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(binary,
        "--override", "listeners=PLAINTEXT://" + bootstrap,
        "--override", "log.dirs=" + dir.resolve("data"),
        "--override", "admin.listeners=http://127.0.0.1:0"));
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        return;
      } catch (IOException e) {
        if (!process.isAlive()) throw new IOException("chronik exited at start-up:\n" + logTail());
        if (System.nanoTime() > deadline) throw new IOException("chronik did not listen within 20 s:\n" + logTail());
        Thread.sleep(50);
      }
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** SIGTERM; returns the exit code (the broker must exit 0). */
  int stop() throws InterruptedException {
    if (process == null) return 0;
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      return -1;
    }
    return process.exitValue();
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
