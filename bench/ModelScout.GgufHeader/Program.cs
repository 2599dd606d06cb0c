using System.Text.Json;
using ModelScout.Bench;
using ModelScout.Gguf;

// gguf-header generate PATH   writes the benchmark file (deterministic)
// gguf-header read PATH       reads the header once, derives the model facts and prints a one-line JSON summary
switch (args)
{
    case ["generate", var path]:
        VocabFile.Write(path);
        Console.WriteLine($"{path}: {new FileInfo(path).Length:N0} bytes");
        return 0;
    case ["read", var path]:
        var file = GgufReader.ReadFile(path);
        var info = GgufModelInfo.From(file);
        using (var json = new Utf8JsonWriter(Console.OpenStandardOutput()))
        {
            json.WriteStartObject();
            json.WriteString("architecture", info.Architecture);
            json.WriteNumber("metadata", file.Metadata.Count);
            json.WriteNumber("tensors", file.Tensors.Count);
            json.WriteNumber("vocabulary", info.VocabularySize ?? 0);
            json.WriteNumber("merges", info.MergeCount ?? 0);
            json.WriteNumber("headerBytes", file.HeaderBytes);
            json.WriteEndObject();
        }
        Console.WriteLine();
        return 0;
    default:
        Console.Error.WriteLine("usage: gguf-header generate PATH | read PATH");
        return 2;
}
