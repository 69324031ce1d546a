// Scorecard charts drawn with the vendored Apache ECharts. Progressive enhancement: every
// chart has a data table beside it, so the page works without this script.
// Chart data comes from <script type="application/json" id="scorecard-charts"> (no inline JS: CSP).
(function () {
  "use strict";
  var holder = document.getElementById("scorecard-charts");
  if (!holder || typeof window.echarts === "undefined") { return; }
  var charts = JSON.parse(holder.textContent || "{}");

  // Making Data Count colours: improvement blue, concern orange, common cause grey.
  var COLOURS = {
    improvement: "#1d71b8", concern: "#d46b00", neutral: "#6b3fa0", common: "#8a8f98",
    mean: "#1d2433", limit: "#4f5b6d", target: "#b3261e", mine: "#005eb8", peer: "#9aa3b2"
  };
  var TEXT = { fontFamily: "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif" };

  function short(text) {
    return text.length > 24 ? text.slice(0, 23) + "\u2026" : text;
  }

  function fixed(chart, value) {
    return value === null || value === undefined ? "*" : value.toFixed(chart.unit === "%" ? 1 : 2);
  }

  function base() {
    return {
      animation: false,
      textStyle: TEXT,
      grid: { left: 56, right: 24, top: 28, bottom: 48, containLabel: true },
      // Rich-text tooltips are drawn on the canvas, so no inline styles meet the CSP.
      tooltip: { trigger: "item", renderMode: "richText" }
    };
  }

  function segmentSeries(points, key, name, style) {
    // One line per rebase segment, so limits step instead of sloping between baselines.
    var series = [];
    var data = [];
    points.forEach(function (p, i) {
      if (p.rebase && data.length) {
        series.push(data);
        data = [];
      }
      data.push([i, p[key]]);
    });
    series.push(data);
    return series.map(function (segment, n) {
      return {
        name: name, type: "line", data: segment, symbol: "none", silent: true,
        lineStyle: style, z: 1, id: name + "-" + n
      };
    });
  }

  function spcOption(chart) {
    var points = chart.points;
    var option = base();
    option.tooltip.trigger = "axis";
    option.xAxis = { type: "category", data: points.map(function (p) { return p.label; }),
      axisLabel: { hideOverlap: true } };
    option.yAxis = { type: "value", scale: true, name: chart.unit || "" };
    var values = {
      name: "Value", type: "line", z: 3, symbolSize: 8,
      lineStyle: { color: COLOURS.common, width: 1.5 },
      data: points.map(function (p) {
        return { value: p.value, itemStyle: { color: COLOURS[p.type] || COLOURS.common } };
      })
    };
    if (chart.target !== null && chart.target !== undefined) {
      values.markLine = {
        silent: true, symbol: "none",
        lineStyle: { color: COLOURS.target, type: [2, 4], width: 1.5 },
        label: { formatter: "Target", position: "insideEndTop" },
        data: [{ yAxis: chart.target }]
      };
    }
    option.series = [values]
      .concat(segmentSeries(points, "mean", "Mean", { color: COLOURS.mean, width: 1.5 }))
      .concat(segmentSeries(points, "upl", "Upper process limit",
        { color: COLOURS.limit, type: "dashed", width: 1 }))
      .concat(segmentSeries(points, "lpl", "Lower process limit",
        { color: COLOURS.limit, type: "dashed", width: 1 }));
    return option;
  }

  function funnelOption(chart) {
    var option = base();
    option.xAxis = { type: "value", name: chart.x_label, nameLocation: "middle", nameGap: 30 };
    option.yAxis = { type: "value", scale: true, name: chart.unit || "" };
    function curve(index, name, style) {
      return { name: name, type: "line", symbol: "none", silent: true, lineStyle: style,
        data: chart.curve.map(function (c) { return [c[0], c[index]]; }) };
    }
    var xs = chart.curve.map(function (c) { return c[0]; });
    option.series = [
      curve(1, "95% limit", { color: COLOURS.limit, type: "dashed", width: 1 }),
      curve(2, "95% limit", { color: COLOURS.limit, type: "dashed", width: 1 }),
      curve(3, "99.8% limit", { color: COLOURS.mean, width: 1.2 }),
      curve(4, "99.8% limit", { color: COLOURS.mean, width: 1.2 }),
      { name: "Network average", type: "line", symbol: "none", silent: true,
        lineStyle: { color: COLOURS.target, width: 1 },
        data: xs.length ? [[Math.min.apply(null, xs), chart.target], [Math.max.apply(null, xs), chart.target]] : [] },
      { name: "Organisations", type: "scatter", z: 3,
        tooltip: { formatter: function (p) { return p.data.name + ": " + fixed(chart, p.data.value[1]) + " (" + p.data.status + ")"; } },
        data: chart.points.map(function (p) {
          return {
            name: p.label, value: [p.x, p.y], status: p.status,
            symbolSize: p.mine ? 14 : 9,
            itemStyle: { color: p.mine ? COLOURS.mine : COLOURS.peer, borderColor: "#fff", borderWidth: 1 },
            label: { show: true, position: "right", formatter: short(p.label), fontWeight: p.mine ? "bold" : "normal",
              color: p.mine ? COLOURS.mine : COLOURS.limit, fontSize: p.mine ? 12 : 10 }
          };
        }) }
    ];
    return option;
  }

  function peersOption(chart) {
    var rows = chart.rows;
    var option = base();
    option.grid.left = 8;
    option.yAxis = { type: "category", inverse: true, data: rows.map(function (r) { return r.label; }),
      axisLabel: { formatter: short } };
    option.xAxis = { type: "value", name: chart.unit || "" };
    var marks = [];
    if (chart.median !== null) {
      marks.push({ xAxis: chart.median, name: "Median", lineStyle: { color: COLOURS.mean, width: 2 } });
      marks.push({ xAxis: chart.lower_quartile, name: "Lower quartile", label: { show: false },
        lineStyle: { color: COLOURS.limit, type: "dashed" } });
      marks.push({ xAxis: chart.upper_quartile, name: "Upper quartile", label: { show: false },
        lineStyle: { color: COLOURS.limit, type: "dashed" } });
    }
    option.series = [{
      name: "Value", type: "bar", barMaxWidth: 18,
      data: rows.map(function (r) {
        return { value: r.suppressed ? null : r.value,
          itemStyle: { color: r.mine ? COLOURS.mine : COLOURS.peer } };
      }),
      label: { show: true, position: "right", fontSize: 10,
        formatter: function (p) { return rows[p.dataIndex].suppressed ? "*" : fixed(chart, p.value); } },
      markLine: { silent: true, symbol: "none", label: { formatter: "Median", fontSize: 10 }, data: marks },
      markArea: chart.median === null ? undefined : { silent: true,
        itemStyle: { color: "rgba(0, 94, 184, 0.08)" },
        data: [[{ xAxis: chart.lower_quartile }, { xAxis: chart.upper_quartile }]] }
    }];
    return option;
  }

  var BUILDERS = { spc: spcOption, funnel: funnelOption, peers: peersOption };
  var drawn = {};

  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var data = charts[element.getAttribute("data-chart")];
    var build = data && BUILDERS[data.kind];
    if (!build) { return; }
    if (data.kind === "peers") {
      element.classList.add("chart-tall-" + Math.min(4, Math.ceil(data.rows.length / 10)));
    }
    var option = build(data);
    var instance = window.echarts.init(element, null, { renderer: "canvas" });
    instance.setOption(option);
    drawn[element.getAttribute("data-chart")] = { instance: instance, option: option, element: element };
  });

  window.addEventListener("resize", function () {
    Object.keys(drawn).forEach(function (key) { drawn[key].instance.resize(); });
  });

  function download(href, filename) {
    var link = document.createElement("a");
    link.href = href;
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-export]");
    if (!button) { return; }
    var key = button.getAttribute("data-target");
    var chart = drawn[key];
    if (!chart) { return; }
    if (button.getAttribute("data-export") === "png") {
      download(chart.instance.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" }), key + ".png");
      return;
    }
    // SVG: draw the same option off-screen with the SVG renderer.
    var svg = window.echarts.init(null, null, {
      renderer: "svg", ssr: true,
      width: chart.element.clientWidth || 640, height: chart.element.clientHeight || 360
    });
    svg.setOption(chart.option);
    var url = URL.createObjectURL(new Blob([svg.renderToSVGString()], { type: "image/svg+xml" }));
    svg.dispose();
    download(url, key + ".svg");
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  });
})();
