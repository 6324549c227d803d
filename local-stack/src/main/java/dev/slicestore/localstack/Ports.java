package dev.slicestore.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Small helpers for local TCP ports: picking a free one and checking whether one answers.
 *
 * <p>Stateless and thread-safe.
 */
public final class Ports {

  private Ports() {}

  /**
   * Returns a TCP port that was free on the loopback interface a moment ago.
   *
   * <p>The port is released before this method returns, so another process may take it before the
   * caller binds it; for a local developer stack and tests that race is acceptable.
   *
   * @return a port number between 1 and 65535
   * @throws UncheckedIOException if the operating system cannot give a free port
   */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot find a free local TCP port: " + e.getMessage(), e);
    }
  }

  /**
   * Returns the given port, or a free port (see {@link #freePort()}) when it is 0.
   *
   * @param port a port number, or 0 for "any free port"
   * @return {@code port} itself when it is not 0, else a free port
   * @throws IllegalArgumentException if {@code port} is negative or above 65535
   */
  public static int resolve(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "Invalid port: " + port + " (must be 0..65535, 0 = any free port)");
    }
    return port == 0 ? freePort() : port;
  }

  /**
   * Tells whether something accepts TCP connections on {@code host:port}.
   *
   * @param host host name or address, not null
   * @param port port number
   * @param timeoutMillis connect timeout in milliseconds
   * @return true if a connection could be opened (it is closed again at once)
   */
  public static boolean isOpen(String host, int port, int timeoutMillis) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), timeoutMillis);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
