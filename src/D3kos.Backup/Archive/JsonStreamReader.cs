using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace D3kos.Backup;

/// <summary>
/// A <see cref="Utf8JsonReader"/> over a stream too large to hold: the reader runs over a window of the
/// stream that slides forward and is refilled, and a single value larger than the window grows it, up to
/// a limit. Written here because System.Text.Json streams only a top-level array
/// (DeserializeAsyncEnumerable), and a manifest's file list is a property of its object.
/// Each step either completes on the bytes in the window or is retried whole after a refill.
/// </summary>
internal sealed class JsonStreamReader(Stream stream, int maxValueBytes)
{
    private delegate bool Step<T>(ref Utf8JsonReader reader, out T value);

    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private bool _final;
    private JsonReaderState _state;

    /// <summary>The next token, with its name when it is a property name; containers are entered.</summary>
    public (JsonTokenType Type, string? Name) Next() => Run(static (ref Utf8JsonReader r, out (JsonTokenType, string?) token) =>
    {
        token = default;
        if (!r.Read())
        {
            return false;
        }
        token = (r.TokenType, r.TokenType == JsonTokenType.PropertyName ? r.GetString() : null);
        return true;
    });

    /// <summary>Skips the next value whole (after a property name).</summary>
    public void Skip() => Run(static (ref Utf8JsonReader r, out bool done) => done = r.Read() && r.TrySkip());

    /// <summary>Reads the next value whole (after a property name) as <typeparamref name="T"/>.</summary>
    public T? Value<T>(JsonTypeInfo<T> type) => Run((ref Utf8JsonReader r, out T? value) =>
    {
        value = default;
        if (!r.Read())
        {
            return false;
        }
        var end = r;
        if (!end.TrySkip())
        {
            return false;
        }
        value = JsonSerializer.Deserialize(ref r, type);
        return true;
    });

    /// <summary>The next item of the array being read, or false at its end.</summary>
    public bool TryNextItem<T>(JsonTypeInfo<T> type, out T? item)
    {
        var (more, value) = Run((ref Utf8JsonReader r, out (bool, T?) result) =>
        {
            result = default;
            if (!r.Read())
            {
                return false;
            }
            if (r.TokenType == JsonTokenType.EndArray)
            {
                return true;
            }
            var end = r;
            if (!end.TrySkip())
            {
                return false;
            }
            result = (true, JsonSerializer.Deserialize(ref r, type));
            return true;
        });
        item = value;
        return more;
    }

    private T Run<T>(Step<T> step)
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            if (step(ref reader, out var value))
            {
                _start += (int)reader.BytesConsumed;
                _state = reader.CurrentState;
                return value;
            }
            if (_final)
            {
                throw new JsonException("the document ends in the middle of a value");
            }
            Refill();
        }
    }

    private void Refill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        else if (_end == _buffer.Length)
        {
            if (_buffer.Length >= maxValueBytes)
            {
                throw new JsonException($"a single value is larger than {maxValueBytes} bytes");
            }
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        // Filled to the end of the window (a gzip stream gives a few KiB per read): a value is parsed again
        // from its start after each refill, so each refill must at least double what it had.
        var wanted = _buffer.Length - _end;
        var read = stream.ReadAtLeast(_buffer.AsSpan(_end, wanted), wanted, throwOnEndOfStream: false);
        _end += read;
        _final = read < wanted;
    }
}
