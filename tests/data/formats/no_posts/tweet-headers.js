window.YTD.tweet_headers.part0 = [
  {
    "tweet" : {
      "tweet_id" : "1498361234567890001",
      "user_id" : "900",
      "created_at" : "Mon Feb 28 17:39:27 +0000 2022"
    }
  }
]
