using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace D3kos.Backup;

/// <summary>How email stands, as the page and `status` show it.</summary>
/// <param name="Waiting">Messages in the outbox, waiting for the mail server.</param>
public sealed record EmailState(bool Enabled, IReadOnlyList<string> To, int Waiting, DateTimeOffset? LastSent, string? LastError);

/// <summary>
/// Sends the outbox through the owner's mail server with MailKit (maintained, MIT; .NET's own SmtpClient is
/// obsolete and has no implicit TLS). Every failure becomes one sentence that says why and what to check;
/// the password is read from its 0600 file for the connection only and never enters a message or a log.
/// </summary>
public sealed partial class EmailSender(IOptions<NotifyOptions> options, NotifySecrets secrets, EmailOutbox outbox, ILogger<EmailSender> logger)
{
    private EmailOptions Settings => options.Value.Email;

    public EmailState State()
    {
        var state = outbox.Read();
        return new EmailState(Settings.Enabled, Settings.To, state.Waiting.Count, state.LastSent, Settings.Enabled ? state.LastError : null);
    }

    /// <summary>Records what began or ended (when email is set up) and sends what waits; a server that cannot be reached leaves it for the next look.</summary>
    public async Task NotifyAsync(IReadOnlyList<Condition> conditions, CancellationToken cancellationToken)
    {
        if (!Settings.Enabled)
        {
            return;
        }
        outbox.Record(conditions, Settings.BoatName);
        var waiting = outbox.Read().Waiting;
        if (waiting.Count == 0)
        {
            return;
        }
        var current = waiting[0].Key;
        try
        {
            using var client = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            foreach (var message in waiting)
            {
                current = message.Key;
                try
                {
                    await client.SendAsync(Mime(message.Subject, message.Body, message.Key), cancellationToken).ConfigureAwait(false);
                }
                catch (SmtpCommandException refused) when (refused.ErrorCode == SmtpErrorCode.MessageNotAccepted && (int)refused.StatusCode >= 500)
                {
                    // This message will never be taken (its content, its size): the ones behind it must not wait for ever.
                    var why = $"The mail server {Settings.Host}:{Settings.Port} refused a message for good, so it was dropped: {refused.Message.TrimEnd('.')}.";
                    outbox.Dropped(message.Key, why);
                    Log.Dropped(logger, message.Subject, why);
                    continue;
                }
                outbox.Sent(message.Key);
                Log.Sent(logger, message.Subject);
            }
            await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Why(ex) is { } why && !cancellationToken.IsCancellationRequested)
        {
            outbox.Failed(current, why);
            Log.NotSent(logger, why);
        }
    }

    /// <summary>Sends a test message at once, past the outbox; returns null when it went, else the sentence saying why not.</summary>
    public async Task<string?> SendTestAsync(CancellationToken cancellationToken)
    {
        if (!Settings.Enabled)
        {
            return "Email is not set up: set Notify:Email:Host, From and To in /etc/d3kos/backup.json.";
        }
        try
        {
            var (subject, body) = EmailText.Test(Settings.BoatName);
            using var client = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            await client.SendAsync(Mime(subject, body, $"{Guid.NewGuid():N}"), cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (Why(ex) is { } why)
        {
            return why;
        }
    }

    private async Task<SmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var settings = Settings;
        string? password = null;
        if (settings.User.Length > 0 && (password = secrets.Read(NotifySecrets.SmtpPassword)) is null)
        {
            throw new BackupException(BackupError.InvalidInput, "No password is set for the mail account: run 'sudo d3kos-backup email password' (it reads it from the terminal or standard input).");
        }
        var client = new SmtpClient { Timeout = 30_000, ServerCertificateValidationCallback = TrustCertificate };
        try
        {
            var security = settings.Security switch
            {
                EmailOptions.ImplicitTls => SecureSocketOptions.SslOnConnect,
                EmailOptions.NoTls => SecureSocketOptions.None,
                _ => SecureSocketOptions.StartTls,
            };
            await client.ConnectAsync(settings.Host, settings.Port, security, cancellationToken).ConfigureAwait(false);
            if (password is not null)
            {
                await client.AuthenticateAsync(settings.User, password, cancellationToken).ConfigureAwait(false);
            }
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private bool TrustCertificate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        System.Security.Cryptography.X509Certificates.X509Chain? chain, SslPolicyErrors errors) =>
        errors == SslPolicyErrors.None
        || (certificate is not null && Settings.CertificateSha256.Length > 0
            && Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())).Equals(Settings.CertificateSha256.Replace(":", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase));

    private MimeMessage Mime(string subject, string body, string key)
    {
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = body }, MessageId = $"{key}@d3kos" };
        message.From.Add(MailboxAddress.Parse(Settings.From));
        message.To.AddRange(Settings.To.Select(MailboxAddress.Parse));
        return message;
    }

    /// <summary>The one sentence for a failure of the mail server or the line to it; null for what is a bug, not a mail failure.</summary>
    private string? Why(Exception ex)
    {
        var server = $"{Settings.Host}:{Settings.Port}";
        return ex switch
        {
            AuthenticationException => $"The mail server {server} refused the user name or password for '{Settings.User}': check Notify:Email:User and set the password again ('sudo d3kos-backup email password').",
            SslHandshakeException => $"The secure connection to the mail server {server} failed: its certificate is not trusted, or Notify:Email:Security does not suit the port ('starttls' for 587, 'tls' for 465).",
            SocketException socket => $"The mail server {server} could not be reached ({socket.SocketErrorCode}): the boat may be offline or the address wrong; messages wait in the outbox.",
            SmtpCommandException command => $"The mail server {server} refused the message: {command.Message.TrimEnd('.')}.",
            NotSupportedException => $"The mail server {server} does not offer what Notify:Email:Security asks for ({Settings.Security}): {ex.Message.TrimEnd('.')}.",
            SmtpProtocolException or IOException or TimeoutException or OperationCanceledException or ServiceNotConnectedException =>
                $"The mail server {server} stopped answering ({ex.Message.TrimEnd('.')}); messages wait in the outbox.",
            BackupException => ex.Message,
            _ => null,
        };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 350, Level = LogLevel.Information, Message = "Email sent: {Subject}")]
        public static partial void Sent(ILogger logger, string subject);

        [LoggerMessage(EventId = 351, Level = LogLevel.Warning, Message = "Email not sent, it stays in the outbox: {Reason}")]
        public static partial void NotSent(ILogger logger, string reason);

        [LoggerMessage(EventId = 352, Level = LogLevel.Error, Message = "Email dropped, the mail server will never take it: {Subject}. {Reason}")]
        public static partial void Dropped(ILogger logger, string subject, string reason);
    }
}
