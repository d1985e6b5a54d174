namespace LowSlowExfil.Tests
{
    /// <summary>make_set(Operation, 10) and its text form: a JSON array as a Sentinel export writes it.</summary>
    public class OperationSetTests
    {
        private static readonly DateTime End = new DateTime(2024, 6, 30, 12, 0, 0, DateTimeKind.Utc);

        [Fact]
        public void ToString_IsJsonArray_OrdinalDistinct()
        {
            var set = new OperationSet(new[] { "SharingSet", "FileDownloaded", "SharingSet" });
            Assert.Equal("[\"FileDownloaded\",\"SharingSet\"]", set.ToString());
            Assert.Equal(2, set.Count);
            Assert.Equal("FileDownloaded", set[0]);
            Assert.Equal("SharingSet", set[1]);
        }

        [Fact]
        public void Order_IsOrdinal()
        {
            // Ordinal: 'A' (65) < 'B' (66) < 'a' (97) < 'b' (98); a culture sort would interleave cases.
            var set = new OperationSet(new[] { "b", "B", "a", "A", "a" });
            Assert.Equal(new[] { "A", "B", "a", "b" }, set.ToArray());
            Assert.Equal("[\"A\",\"B\",\"a\",\"b\"]", set.ToString());
        }

        [Fact]
        public void Empty()
        {
            Assert.Equal("[]", OperationSet.Empty.ToString());
            Assert.Equal("[]", new OperationSet(Array.Empty<string>()).ToString());
            Assert.Equal("[]", new OperationSet(null).ToString());
            Assert.Equal("[]", new OperationSet(new string[] { null }).ToString()); // nulls are not values
            Assert.Empty(OperationSet.Empty);
        }

        [Fact]
        public void EmptyStringIsAValue()
        {
            Assert.Equal("[\"\"]", new OperationSet(new[] { "" }).ToString());
        }

        [Theory]
        [InlineData("a\"b", "[\"a\\\"b\"]")]            // quote → \"
        [InlineData("c\\d", "[\"c\\\\d\"]")]            // backslash → \\
        [InlineData("\"\\", "[\"\\\"\\\\\"]")]          // both
        [InlineData("l1\nl2", "[\"l1\\nl2\"]")]
        [InlineData("t\tr\r", "[\"t\\tr\\r\"]")]
        [InlineData("\u0001", "[\"\\u0001\"]")]
        [InlineData("caf\u00E9", "[\"caf\u00E9\"]")]    // non-ASCII is written as is
        public void ToString_EscapesJson(string operation, string expected)
        {
            string json = new OperationSet(new[] { operation }).ToString();
            Assert.Equal(expected, json);
            // And it round-trips through a JSON parser.
            Assert.Equal(new[] { operation }, JsonSerializer.Deserialize<string[]>(json));
        }

        [Fact]
        public void ToString_RoundTripsThroughJson()
        {
            var items = new[] { "x\"y", "FileCopied", "a\\b", "AnonymousLinkUsed" };
            var set = new OperationSet(items);
            // Ordinal: "AnonymousLinkUsed" < "FileCopied" < "a\\b" < "x\"y"
            Assert.Equal(new[] { "AnonymousLinkUsed", "FileCopied", "a\\b", "x\"y" }, JsonSerializer.Deserialize<string[]>(set.ToString()));
        }

        [Fact]
        public void Equality_IsBySetContent()
        {
            var a = new OperationSet(new[] { "SharingSet", "FileDownloaded" });
            var b = new OperationSet(new[] { "FileDownloaded", "SharingSet", "FileDownloaded" });
            var c = new OperationSet(new[] { "FileDownloaded" });
            Assert.Equal(a, b);
            Assert.Equal(a.GetHashCode(), b.GetHashCode());
            Assert.NotEqual(a, c);
            Assert.True(a.Contains("SharingSet"));
            Assert.False(a.Contains("sharingset")); // case-sensitive
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Accumulator_MakeSet_AllNineOperations(bool kql)
        {
            // Every operation in the rule's list, several times each, plus ones the filter drops.
            var sh = new SharingAccumulator(new HuntOptions(End, 30, null, kql));
            var t = End.AddDays(-2);
            for (int round = 0; round < 3; round++)
            {
                foreach (var op in ExfilRule.SharingOperations.Reverse()) sh.Add(t, "u@x.com", op);
                sh.Add(t, "u@x.com", "FileUploaded");  // not in the list
                sh.Add(t, "u@x.com", "sharingset");    // wrong case
            }
            var p = Assert.Single(sh.BuildProfiles());
            // 9 operations × 3 rounds = 27 counted events; the set holds the 9 distinct names (≤ 10), ordinal order.
            Assert.Equal(27, p.O365_EventCount);
            Assert.Equal(9, p.O365_Operations.Count);
            Assert.True(p.O365_Operations.Count <= ExfilRule.MaxOperationsInSet);
            Assert.Equal(
                "[\"AddedToSecureLink\",\"AnonymousLinkCreated\",\"AnonymousLinkUsed\",\"FileCopied\",\"FileDownloaded\"," +
                "\"FileSyncDownloadedFull\",\"SecureLinkUsed\",\"SharingInvitationCreated\",\"SharingSet\"]",
                p.O365_Operations.ToString());
            Assert.Equal(3, p.OperationCounts["SharingSet"]);
            Assert.Equal(9, p.OperationCounts.Count);
            Assert.Equal(6, sh.Count(SharingDisposition.OtherOperation));
            // Anonymous links: 2 operations × 3 rounds = 6 in intent mode; 0 in KQL mode.
            Assert.Equal(kql ? 0 : 6, p.O365_AnonLinks);
        }

        [Fact]
        public void Accumulator_MakeSet_Distinct()
        {
            var sh = new SharingAccumulator(new HuntOptions(End, 30));
            var t = End.AddDays(-1);
            sh.Add(t, "u", "SharingSet");
            sh.Add(t, "u", "FileDownloaded");
            sh.Add(t, "U", "SharingSet");
            var p = Assert.Single(sh.BuildProfiles());
            Assert.Equal(3, p.O365_EventCount);
            Assert.Equal("[\"FileDownloaded\",\"SharingSet\"]", p.O365_Operations.ToString());
        }

        [Fact]
        public void MaxOperationsInSet_Is10()
        {
            Assert.Equal(10, ExfilRule.MaxOperationsInSet);
            // Only nine operations pass the rule's filter, so a real set never reaches the cap.
            Assert.Equal(9, ExfilRule.SharingOperations.Count);
        }
    }
}
