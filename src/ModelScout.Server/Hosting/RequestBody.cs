using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using ModelScout.Server.Translation;

namespace ModelScout.Server.Hosting;

/// <summary>
/// Reads a JSON request body. Done by hand instead of minimal-API binding so that a missing Content-Type (curl -d) is
/// accepted and malformed JSON, an empty body or an oversized body (Kestrel's limit, 413) each get a clear error in the
/// API's own shape.
/// </summary>
internal static class RequestBody
{
    public static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> info) where T : class
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length == 0 || buffer.ToArray().All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            throw new ApiException(new ApiProblem(400, "the request body is empty; send a JSON object", "invalid_request_error"));
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), info);
        }
        catch (JsonException e)
        {
            throw new ApiException(ApiProblem.FromJson(e));
        }
        return value ?? throw new ApiException(new ApiProblem(400, "the request body is JSON null; send a JSON object", "invalid_request_error"));
    }
}
