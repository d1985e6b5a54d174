namespace LowSlowExfil.Tests
{
    /// <summary>The rule's row filters in both modes: HuntOptions, DestinationMatcher, HuntWindow (SPEC §1, §2, §3).</summary>
    public class RuleFilterTests
    {
        private static readonly DateTime End = new DateTime(2024, 6, 30, 12, 0, 0, DateTimeKind.Utc);

        private static HuntOptions Kql() => new HuntOptions(End, 30, null, kqlCompatible: true);
        private static HuntOptions Intent() => new HuntOptions(End, 30, null, kqlCompatible: false);

        // ---- vendor ----

        [Theory]
        [InlineData("Zscaler", true)]
        [InlineData("zscaler", false)]
        [InlineData("ZSCALER", false)]
        [InlineData("Zscaler ", false)]
        [InlineData("", false)]
        [InlineData(null, false)]
        [InlineData("Palo Alto Networks", false)]
        public void Vendor_KqlMode_IsCaseSensitive(string vendor, bool expected)
        {
            Assert.Equal(expected, Kql().IsZscalerVendor(vendor));
        }

        [Theory]
        [InlineData("Zscaler", true)]
        [InlineData("zscaler", true)]
        [InlineData("ZSCALER", true)]
        [InlineData("Zscaler ", false)]
        [InlineData("", false)]
        [InlineData(null, false)]
        [InlineData("Palo Alto Networks", false)]
        public void Vendor_IntentMode_IsCaseInsensitive(string vendor, bool expected)
        {
            Assert.Equal(expected, Intent().IsZscalerVendor(vendor));
        }

        // ---- DeviceAction !in (...) ----

        [Theory]
        // Kept (not in the literal, case-sensitive list)
        [InlineData("Block", false)]
        [InlineData("Deny", false)]
        [InlineData("DENY", false)]
        [InlineData("Allowed", false)]
        [InlineData("", false)]
        [InlineData(null, false)]
        [InlineData("BLOCKED", false)]
        // Dropped (in the rule's list)
        [InlineData("blocked", true)]
        [InlineData("BLOCK", true)]
        [InlineData("deny", true)]
        [InlineData("block", true)]
        [InlineData("Blocked", true)]
        public void BlockedAction_KqlMode_LiteralList(string action, bool blocked)
        {
            Assert.Equal(blocked, Kql().IsBlockedAction(action));
        }

        [Theory]
        [InlineData("block", true)]
        [InlineData("Block", true)]
        [InlineData("BLOCK", true)]
        [InlineData("bLoCk", true)]
        [InlineData("blocked", true)]
        [InlineData("Blocked", true)]
        [InlineData("BLOCKED", true)]
        [InlineData("deny", true)]
        [InlineData("Deny", true)]
        [InlineData("DENY", true)]
        [InlineData("Allowed", false)]
        [InlineData("allow", false)]
        [InlineData("", false)]
        [InlineData(null, false)]
        [InlineData("denied", false)]
        public void BlockedAction_IntentMode_AnyCase(string action, bool blocked)
        {
            Assert.Equal(blocked, Intent().IsBlockedAction(action));
        }

        [Theory]
        [InlineData(true, "Block", ProxyDisposition.Counted)]
        [InlineData(true, "DENY", ProxyDisposition.Counted)]
        [InlineData(true, "", ProxyDisposition.Counted)]
        [InlineData(true, "blocked", ProxyDisposition.Blocked)]
        [InlineData(false, "Block", ProxyDisposition.Blocked)]
        [InlineData(false, "DENY", ProxyDisposition.Blocked)]
        [InlineData(false, "", ProxyDisposition.Counted)]
        public void BlockedAction_ThroughAccumulator(bool kql, string action, ProxyDisposition expected)
        {
            var acc = new ZiaAccumulator(kql ? Kql() : Intent());
            Assert.Equal(expected, acc.Add(End.AddDays(-1), "Zscaler", action, "u@x.com", "dropbox.com", 100));
        }

        [Theory]
        [InlineData(true, "zscaler", ProxyDisposition.OtherVendor)]
        [InlineData(false, "zscaler", ProxyDisposition.Counted)]
        public void Vendor_ThroughAccumulator(bool kql, string vendor, ProxyDisposition expected)
        {
            var acc = new ZiaAccumulator(kql ? Kql() : Intent());
            Assert.Equal(expected, acc.Add(End.AddDays(-1), vendor, "Allowed", "u@x.com", "dropbox.com", 100));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void IsNotEmpty_UserName(bool kql)
        {
            // isnotempty(): false only for null and "" — a single space is a user.
            var acc = new ZiaAccumulator(kql ? Kql() : Intent());
            Assert.Equal(ProxyDisposition.NoUser, acc.Add(End.AddDays(-1), "Zscaler", "Allowed", null, "dropbox.com", 1));
            Assert.Equal(ProxyDisposition.NoUser, acc.Add(End.AddDays(-1), "Zscaler", "Allowed", "", "dropbox.com", 1));
            Assert.Equal(ProxyDisposition.Counted, acc.Add(End.AddDays(-1), "Zscaler", "Allowed", " ", "dropbox.com", 1));

            var sh = new SharingAccumulator(kql ? Kql() : Intent());
            Assert.Equal(SharingDisposition.NoUser, sh.Add(End.AddDays(-1), null, "SharingSet"));
            Assert.Equal(SharingDisposition.NoUser, sh.Add(End.AddDays(-1), "", "SharingSet"));
            Assert.Equal(SharingDisposition.Counted, sh.Add(End.AddDays(-1), " ", "SharingSet"));
        }

        // ---- destinations ----

        [Theory]
        [InlineData("dropbox.com", true)]
        [InlineData("dropbox.com.", true)]              // trailing dot
        [InlineData("dropbox.com:443", true)]           // :port
        [InlineData("www.dropbox.com:8443", true)]
        [InlineData("dropbox.com.:443", true)]          // port, then trailing dot
        [InlineData("DropBox.COM", true)]               // case
        [InlineData("UPLOAD.DROPBOX.COM.", true)]
        [InlineData("  dropbox.com  ", true)]           // surrounding blanks
        [InlineData("evil-dropbox.com.example", false)] // no longer matches (it does under has_any)
        [InlineData("x.t.me", true)]                    // subdomain of t.me
        [InlineData("t.me", true)]
        [InlineData("at.me", false)]
        [InlineData("mydropbox.com", false)]            // not a subdomain
        [InlineData("dropbox.com:abc", false)]          // not a port: the host is "dropbox.com:abc"
        [InlineData("box.com", true)]
        [InlineData("dropbox.co", false)]
        [InlineData("com", false)]
        [InlineData("", false)]
        [InlineData(null, false)]
        public void Destination_IntentMode_DomainSuffix(string host, bool expected)
        {
            Assert.Equal(expected, Intent().Destinations.IsMatch(host));
        }

        [Theory]
        [InlineData("dropbox.com", true)]
        [InlineData("evil-dropbox.com.example", true)]  // whole-term match
        [InlineData("x.t.me", true)]
        [InlineData("mydropbox.com", false)]
        [InlineData("drive_google.com", false)]         // "google.com" is not in the list; drive.google.com is
        [InlineData("DROPBOX.COM", true)]
        [InlineData("dropbox.com:443", true)]
        [InlineData("", false)]
        [InlineData(null, false)]
        public void Destination_KqlMode_HasAny(string host, bool expected)
        {
            Assert.Equal(expected, Kql().Destinations.IsMatch(host));
        }

        [Fact]
        public void Destination_MatcherKindPerMode()
        {
            Assert.IsType<DestinationMatcher.TermMatcher>(Kql().Destinations);
            Assert.IsType<DestinationMatcher.DomainSuffixMatcher>(Intent().Destinations);
        }

        [Fact]
        public void Destination_CustomDomains_AreNormalized()
        {
            var opt = new HuntOptions(End, 30, new[] { " Example.ORG. ", "example.org.", "", null, "  " }, kqlCompatible: false);
            Assert.Equal(new[] { "Example.ORG." }, opt.Destinations.Domains); // trimmed, distinct ignoring case, blanks dropped
            Assert.True(opt.Destinations.IsMatch("files.example.org"));
            Assert.True(opt.Destinations.IsMatch("EXAMPLE.org:80"));
            Assert.False(opt.Destinations.IsMatch("dropbox.com")); // the default list is replaced
        }

        [Fact]
        public void Destination_NoDomains_Throws()
        {
            Assert.Throws<ArgumentException>(() => DestinationMatcher.Create(new[] { "", " " }, kqlCompatible: false));
            Assert.Throws<ArgumentNullException>(() => DestinationMatcher.Create(null, kqlCompatible: true));
        }

        [Theory]
        [InlineData("Dropbox.com:443", "dropbox.com")]
        [InlineData("dropbox.com.", "dropbox.com")]
        [InlineData("a.b:1", "a.b")]
        [InlineData("::1", "::1")]             // more than one colon: left alone
        [InlineData("host:", "host:")]         // empty port: left alone
        [InlineData(null, "")]
        public void NormalizeHost(string host, string expected)
        {
            Assert.Equal(expected, DestinationMatcher.DomainSuffixMatcher.NormalizeHost(host));
        }

        // ---- window ----

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Window_LowerBoundIsStrict(bool kql)
        {
            var w = (kql ? Kql() : Intent()).Window;
            // End − 30 days = 2024-06-30T12:00Z − 30d = 2024-05-31T12:00Z
            var start = new DateTime(2024, 5, 31, 12, 0, 0, DateTimeKind.Utc);
            Assert.Equal(start, w.Start);
            Assert.False(w.Contains(start));            // TimeGenerated == EndTime − Days is excluded
            Assert.False(w.Contains(start.AddTicks(-1)));
            Assert.True(w.Contains(start.AddTicks(1)));

            var acc = new ZiaAccumulator(kql ? Kql() : Intent());
            Assert.Equal(ProxyDisposition.OutsideWindow, acc.Add(start, "Zscaler", "Allowed", "u", "dropbox.com", 1));
            Assert.Equal(ProxyDisposition.Counted, acc.Add(start.AddTicks(1), "Zscaler", "Allowed", "u", "dropbox.com", 1));
            var sh = new SharingAccumulator(kql ? Kql() : Intent());
            Assert.Equal(SharingDisposition.OutsideWindow, sh.Add(start, "u", "SharingSet"));
            Assert.Equal(SharingDisposition.Counted, sh.Add(start.AddTicks(1), "u", "SharingSet"));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Window_ExplicitEndTime_IsInclusiveUpperBound(bool kql)
        {
            var opt = kql ? Kql() : Intent();
            Assert.True(opt.Window.HasUpperBound);
            Assert.Equal(End, opt.Window.End);
            Assert.True(opt.Window.Contains(End));
            Assert.False(opt.Window.Contains(End.AddTicks(1)));
            Assert.False(opt.Window.Contains(End.AddDays(5)));

            var acc = new ZiaAccumulator(opt);
            Assert.Equal(ProxyDisposition.Counted, acc.Add(End, "Zscaler", "Allowed", "u", "dropbox.com", 1));
            Assert.Equal(ProxyDisposition.OutsideWindow, acc.Add(End.AddSeconds(1), "Zscaler", "Allowed", "u", "dropbox.com", 1));
        }

        [Fact]
        public void Window_KqlMode_WithoutEndTime_HasNoUpperBound()
        {
            var before = DateTime.UtcNow;
            var opt = new HuntOptions(null, 30, null, kqlCompatible: true);
            var after = DateTime.UtcNow;
            Assert.False(opt.Window.HasUpperBound);
            Assert.InRange(opt.Window.End, before, after);
            Assert.True(opt.Window.Contains(after.AddDays(365))); // a future-stamped event is kept, as with ago()
            Assert.False(opt.Window.Contains(before.AddDays(-31)));
        }

        [Fact]
        public void Window_IntentMode_WithoutEndTime_EndsNow()
        {
            var opt = new HuntOptions(null, 30, null, kqlCompatible: false);
            Assert.True(opt.Window.HasUpperBound);
            Assert.False(opt.Window.Contains(DateTime.UtcNow.AddDays(1)));
        }

        [Fact]
        public void Window_Days()
        {
            var w = new HuntWindow(End, 7);
            // 2024-06-30T12:00Z − 7d = 2024-06-23T12:00Z
            Assert.Equal(new DateTime(2024, 6, 23, 12, 0, 0, DateTimeKind.Utc), w.Start);
            Assert.Equal(7, w.Days);
            Assert.Throws<ArgumentOutOfRangeException>(() => new HuntWindow(End, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new HuntOptions(End, -1));
        }

        [Fact]
        public void Window_UnspecifiedKind_IsTakenAsUtc()
        {
            var w = new HuntWindow(new DateTime(2024, 6, 30, 12, 0, 0, DateTimeKind.Unspecified), 30);
            Assert.Equal(DateTimeKind.Utc, w.End.Kind);
            Assert.Equal(End, w.End);
        }

        // ---- anonymous links ----

        [Theory]
        [InlineData("AnonymousLinkCreated", false)]  // has "Anonymous" is a whole-term match: false
        [InlineData("AnonymousLinkUsed", false)]
        [InlineData("Anonymous Link", true)]
        [InlineData("anonymous", true)]
        [InlineData("SharingSet", false)]
        [InlineData("", false)]
        [InlineData(null, false)]
        public void IsAnonymousLink_KqlMode(string operation, bool expected)
        {
            Assert.Equal(expected, Kql().IsAnonymousLink(operation));
        }

        [Theory]
        [InlineData("AnonymousLinkCreated", true)]
        [InlineData("AnonymousLinkUsed", true)]
        [InlineData("anonymouslinkcreated", true)]
        [InlineData("ANONYMOUSLINKUSED", true)]
        [InlineData("Anonymous Link", false)]
        [InlineData("AnonymousLinkRemoved", false)]
        [InlineData("SharingSet", false)]
        [InlineData("", false)]
        [InlineData(null, false)]
        public void IsAnonymousLink_IntentMode(string operation, bool expected)
        {
            Assert.Equal(expected, Intent().IsAnonymousLink(operation));
        }

        // ---- Operation in (...) ----

        [Theory]
        [InlineData("FileDownloaded", true)]
        [InlineData("FileSyncDownloadedFull", true)]
        [InlineData("FileCopied", true)]
        [InlineData("AnonymousLinkCreated", true)]
        [InlineData("AnonymousLinkUsed", true)]
        [InlineData("SharingSet", true)]
        [InlineData("SharingInvitationCreated", true)]
        [InlineData("AddedToSecureLink", true)]
        [InlineData("SecureLinkUsed", true)]
        [InlineData("filedownloaded", false)]
        [InlineData("FILEDOWNLOADED", false)]
        [InlineData("FileDownloaded ", false)]
        [InlineData("FileUploaded", false)]
        [InlineData("", false)]
        [InlineData(null, false)]
        public void SharingOperation_IsCaseSensitive(string operation, bool expected)
        {
            Assert.Equal(expected, HuntOptions.IsSharingOperation(operation));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void SharingOperation_CaseSensitiveInBothModes_ThroughAccumulator(bool kql)
        {
            var sh = new SharingAccumulator(kql ? Kql() : Intent());
            Assert.Equal(SharingDisposition.Counted, sh.Add(End.AddDays(-1), "u@x.com", "SharingSet"));
            Assert.Equal(SharingDisposition.OtherOperation, sh.Add(End.AddDays(-1), "u@x.com", "sharingset"));
            Assert.Equal(SharingDisposition.OtherOperation, sh.Add(End.AddDays(-1), "u@x.com", "anonymouslinkcreated"));
            Assert.Equal(1, sh.Count(SharingDisposition.Counted));
            Assert.Equal(2, sh.Count(SharingDisposition.OtherOperation));
        }

        [Fact]
        public void ModeName()
        {
            Assert.Equal("KqlCompatible", Kql().ModeName);
            Assert.Equal("Intent", Intent().ModeName);
            Assert.True(Kql().KqlCompatible);
            Assert.False(Intent().KqlCompatible);
        }

        [Fact]
        public void Dispositions_FollowTheRuleOrder()
        {
            var acc = new ZiaAccumulator(Intent());
            // Outside the window beats every other reason; then vendor, action, user, destination.
            Assert.Equal(ProxyDisposition.OutsideWindow, acc.Add(End.AddDays(-40), "Other", "block", null, "x.org", 1));
            Assert.Equal(ProxyDisposition.OtherVendor, acc.Add(End.AddDays(-1), "Other", "block", null, "x.org", 1));
            Assert.Equal(ProxyDisposition.Blocked, acc.Add(End.AddDays(-1), "Zscaler", "block", null, "x.org", 1));
            Assert.Equal(ProxyDisposition.NoUser, acc.Add(End.AddDays(-1), "Zscaler", "Allowed", null, "x.org", 1));
            Assert.Equal(ProxyDisposition.OtherDestination, acc.Add(End.AddDays(-1), "Zscaler", "Allowed", "u", "x.org", 1));
            Assert.Equal(ProxyDisposition.Counted, acc.Add(End.AddDays(-1), "Zscaler", "Allowed", "u", "dropbox.com", 1));
            foreach (ProxyDisposition d in Enum.GetValues(typeof(ProxyDisposition)))
                Assert.Equal(1, acc.Count(d));
        }
    }
}
