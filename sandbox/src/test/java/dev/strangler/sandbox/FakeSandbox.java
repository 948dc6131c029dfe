package dev.strangler.sandbox;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A child JVM for {@link LeftoverAppsTests}: does what a sandbox does with its apps on a work
 * directory (stops the leftovers, starts an app the way {@link Stack} does, records it), prints
 * {@code APP <pid>}, then waits to be killed.
 *
 * <p>Arguments: {@code <work>}.
 */
public final class FakeSandbox {

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    PrintWriter out = new PrintWriter(System.out, true);
    AppPids pids = AppPids.in(work);
    pids.stopLeftovers(out);
    AppProcess app = AppProcess.start("sleeping-app",
        List.of("-cp", System.getProperty("java.class.path"), SleepingApp.class.getName()), List.of(),
        work.resolve("logs"), URI.create("http://127.0.0.1:9/"), pids);
    out.println("APP " + app.pid());
    new CountDownLatch(1).await(); // until killed
  }

  /** The app: does nothing until it is stopped. */
  public static final class SleepingApp {
    public static void main(String[] args) throws InterruptedException {
      new CountDownLatch(1).await();
    }
  }
}
