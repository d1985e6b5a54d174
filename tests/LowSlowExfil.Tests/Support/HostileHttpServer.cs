using System.Net;
using System.Net.Sockets;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// A hostile "query service" on 127.0.0.1: raw HTTP/1.1 over a TcpListener, so a test decides every byte and every
    /// pause of the answer (an endless body, a trickle, a silence after the first bytes), which a well-behaved HTTP
    /// server library would not send. Each connection runs on a thread of its own; the server counts the requests and
    /// the body bytes it wrote, and notes when an answer ended (the client left, or the answer's own safety limit).
    /// </summary>
    internal sealed class HostileHttpServer : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly Thread _accept;
        private readonly Action<HostileExchange> _answer;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private long _bodyBytes;
        private int _requests;

        public HostileHttpServer(Action<HostileExchange> answer)
        {
            _answer = answer ?? throw new ArgumentNullException(nameof(answer));
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
            _accept = new Thread(Accept) { IsBackground = true, Name = "HostileHttpServer" };
            _accept.Start();
        }

        public Uri BaseUri { get; }
        public int Requests => Volatile.Read(ref _requests);
        /// <summary>Body bytes written so far (headers not counted), over every connection.</summary>
        public long BodyBytes => Interlocked.Read(ref _bodyBytes);
        /// <summary>Set once the first body bytes of an answer are on the wire.</summary>
        public ManualResetEventSlim BodyStarted { get; } = new ManualResetEventSlim(false);
        /// <summary>Set when an answer has ended, either way.</summary>
        public ManualResetEventSlim AnswerEnded { get; } = new ManualResetEventSlim(false);
        /// <summary>True when the last answer ended because the client closed the connection.</summary>
        public bool ClientLeft { get; private set; }
        internal CancellationToken Stopping => _stop.Token;

        internal void AddBodyBytes(int n)
        {
            Interlocked.Add(ref _bodyBytes, n);
            BodyStarted.Set();
        }

        private void Accept()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = _listener.AcceptTcpClient(); }
                catch (Exception) { return; }    // stopped
                new Thread(() => Serve(client)) { IsBackground = true, Name = "HostileHttpServer connection" }.Start();
            }
        }

        private void Serve(TcpClient client)
        {
            using (client)
            using (var stream = client.GetStream())
            {
                try
                {
                    if (!ReadRequest(stream)) return;
                    Interlocked.Increment(ref _requests);
                    _answer(new HostileExchange(this, stream));
                    ClientLeft = false;
                }
                catch (IOException) { ClientLeft = true; }
                catch (SocketException) { ClientLeft = true; }
                catch (ObjectDisposedException) { }
                catch (OperationCanceledException) { }
                finally { AnswerEnded.Set(); }
            }
        }

        /// <summary>Reads the request line, headers and a Content-Length body (what HttpClient sends).</summary>
        private static bool ReadRequest(NetworkStream stream)
        {
            var head = new StringBuilder();
            int b;
            while ((b = stream.ReadByte()) >= 0)
            {
                head.Append((char)b);
                if (head.Length >= 4 && head.ToString(head.Length - 4, 4) == "\r\n\r\n") break;
                if (head.Length > 64 * 1024) return false;
            }
            if (b < 0) return false;
            long length = 0;
            foreach (string line in head.ToString().Split("\r\n"))
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    length = long.Parse(line.Substring("Content-Length:".Length).Trim(), CultureInfo.InvariantCulture);
            var buffer = new byte[8192];
            while (length > 0)
            {
                int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, length));
                if (n <= 0) return false;
                length -= n;
            }
            return true;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }

    /// <summary>One answer being written: the status line and headers, then the body as the test wants it.</summary>
    internal sealed class HostileExchange
    {
        private readonly HostileHttpServer _server;
        private readonly NetworkStream _stream;

        public HostileExchange(HostileHttpServer server, NetworkStream stream)
        {
            _server = server;
            _stream = stream;
        }

        public CancellationToken Stopping => _server.Stopping;

        /// <summary>A 200 (or another status) whose body runs until the connection closes: no Content-Length, no chunks.</summary>
        public void Head(int status = 200, params string[] headers)
        {
            var sb = new StringBuilder();
            sb.Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(status == 200 ? " OK" : " Error").Append("\r\n");
            sb.Append("Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n");
            foreach (string h in headers) sb.Append(h).Append("\r\n");
            sb.Append("\r\n");
            byte[] bytes = Encoding.ASCII.GetBytes(sb.ToString());
            _stream.Write(bytes, 0, bytes.Length);
            _stream.Flush();
        }

        public void Write(string text) => Write(Encoding.UTF8.GetBytes(text));

        public void Write(byte[] bytes) => Write(bytes, 0, bytes.Length);

        public void Write(byte[] bytes, int offset, int count)
        {
            Stopping.ThrowIfCancellationRequested();
            _stream.Write(bytes, offset, count);
            _stream.Flush();
            _server.AddBodyBytes(count);
        }

        /// <summary>A stream over the body (for a GZipStream to write through); each write counts.</summary>
        public Stream Body => new BodyStream(this);

        /// <summary>Waits, and ends the answer early when the server is disposed.</summary>
        public void Pause(TimeSpan delay)
        {
            if (Stopping.WaitHandle.WaitOne(delay)) throw new OperationCanceledException(Stopping);
        }

        private sealed class BodyStream : Stream
        {
            private readonly HostileExchange _x;
            public BodyStream(HostileExchange x) { _x = x; }
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => _x.Write(buffer, offset, count);
        }
    }
}
